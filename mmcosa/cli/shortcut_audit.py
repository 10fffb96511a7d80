"""Command line of ``tools/analysis_tools/shortcut_audit.py``."""

import argparse
from typing import List, Optional

from mmengine.config import DictAction
from mmengine.logging import print_log

from mmcosa.analysis import (
    FILLS,
    WINDOW_SHAPES,
    format_audit_table,
    run_shortcut_audit,
    write_audit_report,
)
from mmcosa.datasets.metainfo import CLS_CLASSES

__all__ = ['shortcut_audit_main']


def _parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog='shortcut_audit.py',
        description='Classification AUC / ACC of a trained model on its '
        'test split as it is, with the lesion neighbourhood hidden, with '
        'only the lesion neighbourhood kept, with the overlay marks '
        'inpainted, and of a logistic regression on the image size alone '
        '(docs/en/shortcut_audit.md).',
    )
    p.add_argument('config', help='model config file')
    p.add_argument('checkpoint', help='checkpoint (.pth) file')
    p.add_argument('--fold', type=int, default=None, help='test fold K')
    p.add_argument('--out', default=None, help='write the report (JSON)')
    p.add_argument('--device', default='cpu', help='e.g. cpu or cuda:0')
    p.add_argument(
        '--positive-class',
        choices=CLS_CLASSES,
        default=None,
        help="default: the config's BUSClsMetric setting",
    )
    p.add_argument('--window', choices=WINDOW_SHAPES, default='square')
    p.add_argument(
        '--margin',
        type=float,
        default=0.25,
        help='window margin per side, fraction of the lesion extent',
    )
    p.add_argument('--min-margin', type=int, default=4, help='in pixels')
    p.add_argument('--fill', choices=FILLS, default='median')
    p.add_argument(
        '--posterior',
        action='store_true',
        help='extend each window down to the image bottom (posterior '
        'shadowing / enhancement)',
    )
    p.add_argument(
        '--meta-folds',
        type=int,
        default=5,
        help='folds of the metadata logistic regression',
    )
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value',
    )
    return p.parse_args(argv)


def shortcut_audit_main(argv: Optional[List[str]] = None) -> int:
    """Run the audit, log the table, write the JSON report.

    Returns:
        int: 0 on success; 1 (with the message logged) when a file is
        missing or a setting or the data do not fit the audit.
    """
    args = _parse_args(argv)
    try:
        report = run_shortcut_audit(
            args.config,
            args.checkpoint,
            fold=args.fold,
            device=args.device,
            cfg_options=args.cfg_options,
            positive_class=args.positive_class,
            window=args.window,
            margin=args.margin,
            min_margin=args.min_margin,
            fill=args.fill,
            posterior=args.posterior,
            meta_folds=args.meta_folds,
            seed=args.seed,
            batch_size=args.batch_size,
        )
    except (FileNotFoundError, ValueError, TypeError) as err:
        print_log(f'shortcut_audit.py: error: {err}', logger='current')
        return 1
    print_log('\n' + format_audit_table(report), logger='current')
    if args.out:
        write_audit_report(report, args.out)
        print_log(f'wrote {args.out}', logger='current')
    return 0
