"""``tools/deployment/pytorch2onnx.py``: export, check, quantise, describe.

Call graph::

    run_export(argv)
      ├─ init_model(config, checkpoint)         strict weights
      ├─ export_onnx(model, out)             graph + preprocessing metadata
      ├─ check_parity(model, OnnxRunner)     fp32: IoU >= 0.999, dp <= 1e-4
      ├─ quantize_int8(out, <stem>.int8.onnx)  with --int8, calibrated
      │    └─ check_parity(.., INT8_TOLERANCE)  IoU >= 0.99, dp <= 0.01
      ├─ _evaluate(config, checkpoint)       test metrics if the data exist
      └─ write_model_card(...)               <stem>.card.md / .card.json

A failed parity check removes what it checked and exits with 1.
"""

import argparse
import json
import os
import os.path as osp
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.config import DictAction
from mmengine.logging import print_log

from mmcosa.apis import init_model, list_images, read_image
from mmcosa.cli.train_test import drop_training
from mmcosa.datasets.preflight import check_data
from mmcosa.engine.runners import build_runner
from mmcosa.utils.checkpoint_loader import CheckpointError, trust_checkpoints
from mmcosa.utils.preflight import ConfigError, load_config
from mmcosa.utils.weights import load_runner_weights

__all__ = ['parse_args', 'run_export']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the arguments of ``tools/deployment/pytorch2onnx.py``."""
    p = argparse.ArgumentParser(
        description='Export an mmcosa model to ONNX (both heads, dynamic '
        'batch), check it against PyTorch on phantom images, optionally '
        'quantise it to int8, and write a model card beside each file.'
    )
    p.add_argument('config', help='model config file')
    p.add_argument('checkpoint', help='checkpoint (.pth) file')
    p.add_argument('--out', required=True, help='the .onnx file to write')
    p.add_argument(
        '--no-regions',
        action='store_true',
        help='leave the COSA region maps out of the graph outputs',
    )
    p.add_argument(
        '--int8',
        action='store_true',
        help='also write <out stem>.int8.onnx (ONNX Runtime static int8), '
        'checked against PyTorch at IoU >= 0.99 and |dp| <= 0.01',
    )
    p.add_argument(
        '--calib-dir',
        default=None,
        help='images for the int8 calibration (default: phantom images)',
    )
    p.add_argument('--calib-num', type=int, default=32)
    p.add_argument(
        '--parity-images',
        type=int,
        default=8,
        help='phantom images of several sizes for the parity check',
    )
    p.add_argument(
        '--eval',
        choices=['auto', 'skip'],
        default='auto',
        help="auto: run the config's test set for the model card when its "
        'data exist; skip: leave the metrics out (the card says so)',
    )
    p.add_argument(
        '--shortcut-audit',
        default=None,
        help='JSON report of tools/analysis_tools/shortcut_audit.py --out '
        'to record in the model card',
    )
    p.add_argument(
        '--tta',
        action='store_true',
        help='refused: test-time augmentation is not one graph',
    )
    p.add_argument('--opset', type=int, default=17)
    p.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='unpickle the checkpoint fully: only for a file you trust',
    )
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def _calibration_images(args) -> Tuple[List[np.ndarray], str]:
    from mmcosa.deployment.parity import phantom_images

    if args.calib_dir is None:
        return (
            phantom_images(args.calib_num, seed=4242),
            f'{args.calib_num} phantom images (seed 4242, several sizes)',
        )
    files = list_images(args.calib_dir)[: args.calib_num]
    return (
        [read_image(f) for f in files],
        f'{len(files)} images of {args.calib_dir}',
    )


def _evaluate(args, cfg) -> Tuple[Optional[Dict[str, float]], str]:
    """Test metrics of the checkpoint, or why there are none."""
    if args.eval == 'skip':
        return None, 'Not measured: the export ran with --eval skip.'
    cfg = cfg.copy()
    try:
        check_data(cfg, args.config, ['test_dataloader'])
    except ConfigError as err:
        return None, f'Not measured: the test data are not available ({err}).'
    drop_training(cfg)
    cfg.load_from = None
    with tempfile.TemporaryDirectory() as work_dir:
        cfg.work_dir = work_dir
        runner = build_runner(cfg)
        load_runner_weights(runner, args.checkpoint, args.config, False)
        metrics = runner.test()
    values = {
        k: float(v)
        for k, v in (metrics or {}).items()
        if isinstance(v, (int, float, np.floating))
    }
    return values, (
        f'Measured at export on the test split of {args.config} '
        f'(tools/test.py, no test-time augmentation).'
    )


def _read_audit(path: str) -> dict:
    """A shortcut-audit report, checked before anything is exported."""
    from mmcosa.deployment.model_card import audit_summary

    try:
        with open(path, encoding='utf-8') as f:
            report = json.load(f)
        audit_summary(report)
    except (OSError, ValueError) as err:
        raise ValueError(f'--shortcut-audit {path!r}: {err}') from err
    return report


def _remove(*paths: str) -> None:
    for path in paths:
        if osp.exists(path):
            os.remove(path)


def run_export(argv: Optional[List[str]] = None) -> int:
    """Export, check, quantise and describe; the exit status."""
    from mmcosa.deployment import (
        INT8_TOLERANCE,
        ExportError,
        OnnxRunner,
        ParityError,
        build_model_card,
        check_exportable,
        check_parity,
        export_onnx,
        phantom_images,
        quantize_int8,
        torch_predictions,
        write_model_card,
    )
    from mmcosa.deployment.model_card import file_sha256

    args = parse_args(argv)
    if args.trust_checkpoint:
        trust_checkpoints()
    out = args.out
    int8_out = f'{osp.splitext(out)[0]}.int8.onnx'
    try:
        if args.tta:
            raise ExportError(
                '--tta: test-time augmentation runs the model on flipped '
                'copies and merges them in Python; export the plain model '
                'and flip outside the graph if you need it.'
            )
        if not out.endswith('.onnx'):
            raise ExportError(f'--out {out!r} must end with .onnx.')
        cfg = load_config(args.config, args.cfg_options)
        check_exportable(cfg)
        audit = None
        if args.shortcut_audit:
            audit = _read_audit(args.shortcut_audit)
        model = init_model(cfg, args.checkpoint, 'cpu')
        meta = export_onnx(
            model,
            out,
            with_regions=not args.no_regions,
            opset=args.opset,
            extra_meta=dict(checkpoint_sha256=file_sha256(args.checkpoint)),
        )
        print_log(f'export: wrote {out}', logger='current')
        images = phantom_images(args.parity_images)
        reference = torch_predictions(model, images)
        try:
            parity = check_parity(
                model, OnnxRunner(out), images, reference=reference
            )
        except ParityError:
            _remove(out)
            raise
        print_log(f'export: fp32 parity {parity}', logger='current')
        exports = [(out, meta, parity)]
        if args.int8:
            calib, note = _calibration_images(args)
            meta8 = quantize_int8(out, int8_out, calib, calibration_note=note)
            try:
                parity8 = check_parity(
                    model,
                    OnnxRunner(int8_out),
                    images,
                    tolerance=INT8_TOLERANCE,
                    reference=reference,
                    check_regions=False,
                )
            except ParityError:
                _remove(int8_out)
                raise
            print_log(f'export: int8 parity {parity8}', logger='current')
            exports.append((int8_out, meta8, parity8))
        metrics, note = _evaluate(args, model.cfg)
        for path, record, figures in exports:
            if metrics and record.get('precision') == 'int8':
                note = (
                    f"{note} These are the PyTorch checkpoint's figures; "
                    f'this int8 file agrees with it as the parity section '
                    f'says.'
                )
            card = build_model_card(
                model.cfg,
                path,
                record,
                checkpoint=args.checkpoint,
                parity=figures,
                metrics=metrics,
                metrics_note=note,
                shortcut_audit=audit,
            )
            md, _ = write_model_card(card, path)
            print_log(f'export: model card {md}', logger='current')
    except (
        ConfigError,
        CheckpointError,
        ExportError,
        ParityError,
        OSError,
        ValueError,
    ) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0
