"""Export a trained mmcosa model to ONNX, checked against PyTorch.

``python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx
[--int8] [--no-regions] [--eval {auto,skip}] [--shortcut-audit FILE]``

Writes ``model.onnx`` (segmentation logits, class probabilities and, for
MTL-COSA, the region maps; dynamic batch; the preprocessing in its
metadata), ``model.card.md`` / ``model.card.json`` and, with ``--int8``,
``model.int8.onnx`` with its own card. The export is compared with the
PyTorch model on phantom images and removed when they differ. Slide
inference and test-time augmentation are refused. Run the result with
``tools/infer.py --backend onnxruntime`` or, without torch, with
``mmcosa/deployment/onnx_runner.py``. See docs/en/deployment.md.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from mmcosa.cli.pytorch2onnx import run_export  # noqa: E402

if __name__ == '__main__':
    sys.exit(run_export())
