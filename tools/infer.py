"""Run a trained model on your own images and write what it saw.

``python tools/infer.py CONFIG CHECKPOINT INPUT --out-dir DIR
[--device cpu] [--precision {fp32,bf16}] [--allow-partial-load]
[--trust-checkpoint] [--cfg-options k=v ...]``

``python tools/infer.py --backend onnxruntime MODEL.onnx INPUT --out-dir DIR
[--threads N]``: the same outputs from a model exported by
``tools/deployment/pytorch2onnx.py`` (``MODEL.int8.onnx`` for int8).

INPUT is an image or DICOM file or a folder of them (any size; grey, RGB
or RGBA; 8 or 16 bits; DICOM by ``.dcm`` / ``.dicom`` or the ``DICM``
marker, single- or multi-frame, needs pydicom). Per image, and per DICOM
frame (stems ``<stem>_f001``, ...), DIR gets ``<stem>_overlay.png`` and
``<stem>_mask.png`` (0/255 at the original size), and the run gets
``predictions.csv`` with a row per image or frame; for DICOM with an
ultrasound region in cm it holds the tumour area in mm² and the longest
diameter in mm (docs/en/inference.md). A checkpoint that does not fit the
config's model is refused. Exit status 1, with one line on stderr, when the
config, checkpoint, input or output folder cannot be used, or if no image
could be processed. See ``mmcosa.apis.run_inference`` and
``mmcosa.cli.infer``.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from mmcosa.cli.infer import parse_args, run_infer  # noqa: E402

main = run_infer
__all__ = ['main', 'parse_args']

if __name__ == '__main__':
    sys.exit(main())
