"""``tools/infer.py``: run a model on images, DICOM files or folders.

Two backends give the same outputs (overlays, masks, ``predictions.csv``,
sizes in mm for DICOM):

- ``pytorch`` (default): ``CONFIG CHECKPOINT INPUT``; ``--precision
  bf16`` runs it under CPU autocast (fast only on CPUs with AVX-512 BF16
  or AMX; elsewhere it is emulated and slower, which is logged).
- ``onnxruntime``: ``MODEL.onnx INPUT``, a file written by
  ``tools/deployment/pytorch2onnx.py`` (``model.int8.onnx`` is the int8
  path); no config or mmseg model is built.
"""

import argparse
import sys
from typing import List, Optional

from mmengine.config import DictAction
from mmengine.logging import print_log

from mmcosa.apis import init_model, run_inference
from mmcosa.apis.infer_runner import prepare_out_dir
from mmcosa.utils.checkpoint_loader import trust_checkpoints
from mmcosa.utils.cpu_features import bf16_support

__all__ = ['parse_args', 'run_infer']

BACKENDS = ('pytorch', 'onnxruntime')
PRECISIONS = ('fp32', 'bf16')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the arguments of ``tools/infer.py``."""
    p = argparse.ArgumentParser(
        description='Segment and classify breast-ultrasound images.',
        usage='%(prog)s CONFIG CHECKPOINT INPUT --out-dir DIR [options]\n'
        '       %(prog)s --backend onnxruntime MODEL.onnx INPUT --out-dir DIR',
    )
    p.add_argument(
        'paths',
        nargs='+',
        metavar='PATH',
        help='pytorch: CONFIG CHECKPOINT INPUT; onnxruntime: MODEL.onnx '
        'INPUT. INPUT is an image or DICOM file or a folder of them',
    )
    p.add_argument('--out-dir', required=True, help='folder for the outputs')
    p.add_argument('--backend', choices=BACKENDS, default='pytorch')
    p.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='fp32',
        help='pytorch backend: bf16 runs under CPU autocast (fast with '
        'AVX-512 BF16 / AMX only). For int8 export with --int8 and run '
        'the .int8.onnx with --backend onnxruntime',
    )
    p.add_argument(
        '--device', default='cpu', help='torch device, e.g. cpu or cuda:0'
    )
    p.add_argument(
        '--threads',
        type=int,
        default=None,
        help='onnxruntime: intra-op threads (default: one per core)',
    )
    p.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='load only the checkpoint tensors that fit the model (logged '
        'as a WARNING) instead of stopping on a mismatch',
    )
    p.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='unpickle the checkpoint fully (it may then run code): only '
        'for a file you made or trust',
    )
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value',
    )
    args = p.parse_args(argv)
    want = 3 if args.backend == 'pytorch' else 2
    if len(args.paths) != want:
        usage = (
            'CONFIG CHECKPOINT INPUT'
            if args.backend == 'pytorch'
            else 'MODEL.onnx INPUT'
        )
        p.error(
            f'--backend {args.backend} takes {want} paths ({usage}), got '
            f'{len(args.paths)}: {" ".join(args.paths)}'
        )
    if args.backend == 'onnxruntime' and args.precision != 'fp32':
        p.error(
            '--precision applies to the pytorch backend; the precision of '
            'an ONNX model is that of its file (export with --int8 for '
            'model.int8.onnx).'
        )
    return args


class _Autocast:
    """A model whose predictions run under ``torch.autocast``."""

    def __init__(self, model, device: str) -> None:
        import torch

        from mmcosa.apis.inference import make_predictor

        self._predict = make_predictor(model)
        self._context = torch.autocast(
            device_type=device.split(':')[0], dtype=torch.bfloat16
        )

    def predict_bgr(self, img_bgr, img_path=None):
        with self._context:
            return self._predict(img_bgr, img_path)


def _build(args: argparse.Namespace):
    if args.backend == 'onnxruntime':
        from mmcosa.deployment.ort_model import ORTModel

        return ORTModel(args.paths[0], num_threads=args.threads)
    model = init_model(
        args.paths[0],
        args.paths[1],
        args.device,
        args.cfg_options,
        allow_partial_load=args.allow_partial_load,
    )
    if args.precision == 'bf16':
        bf16 = bf16_support()
        if args.device == 'cpu' and not bf16['supported']:
            print_log(
                f'bf16 is not native on this CPU ({bf16["reason"]}); for a '
                f'faster CPU path export with --int8 and use --backend '
                f'onnxruntime.',
                logger='current',
                level=30,
            )
        return _Autocast(model, args.device)
    return model


def run_infer(argv: Optional[List[str]] = None) -> int:
    """``tools/infer.py``; the exit status (1 when nothing was done)."""
    args = parse_args(argv)
    if args.trust_checkpoint:
        trust_checkpoints()
    try:
        prepare_out_dir(args.out_dir)
        model = _build(args)
        rows = run_inference(model, args.paths[-1], args.out_dir)
    except (OSError, ValueError) as err:
        # ValueError covers ConfigError, CheckpointError, ImageReadError,
        # OnnxRunnerError.
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0 if any(r['status'] == 'ok' for r in rows) else 1
