"""Run a trained model on your own images and write what it saw.

``python tools/infer.py CONFIG CHECKPOINT INPUT --out-dir DIR
[--device cpu] [--allow-partial-load] [--trust-checkpoint]
[--cfg-options k=v ...]``

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
could be processed. See ``mmcosa.apis.run_inference``.
"""

import argparse
import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import DictAction  # noqa: E402

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from mmcosa.apis import init_model, run_inference  # noqa: E402
from mmcosa.apis.infer_runner import prepare_out_dir  # noqa: E402
from mmcosa.utils.checkpoint_loader import trust_checkpoints  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Segment and classify breast-ultrasound images.'
    )
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint (.pth) file')
    parser.add_argument(
        'input', help='an image or DICOM file, or a folder of them'
    )
    parser.add_argument(
        '--out-dir', required=True, help='folder for the outputs'
    )
    parser.add_argument(
        '--device', default='cpu', help='torch device, e.g. cpu or cuda:0'
    )
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='load only the checkpoint tensors that fit the model (logged '
        'as a WARNING) instead of stopping on a mismatch',
    )
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='unpickle the checkpoint fully (it may then run code): only '
        'for a file you made or trust',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value',
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.trust_checkpoint:
        trust_checkpoints()
    try:
        prepare_out_dir(args.out_dir)
        model = init_model(
            args.config,
            args.checkpoint,
            args.device,
            args.cfg_options,
            allow_partial_load=args.allow_partial_load,
        )
        rows = run_inference(model, args.input, args.out_dir)
    except (OSError, ValueError) as err:
        # ValueError covers ConfigError, CheckpointError, ImageReadError.
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0 if any(r['status'] == 'ok' for r in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
