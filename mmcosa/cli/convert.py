"""Command lines of ``tools/dataset_converters/{busi,udiat}.py``.

Each ``*_main`` parses ``argv``, runs the conversion, logs the result and
returns the process exit code: 0 on success, 1 on bad input (the message
names the files), 2 on bad arguments (as ``verify.py``'s
:func:`~mmcosa.cli.verify.verify_main`).
Failures are logged at WARNING level: mmengine's ERROR format prefixes
each message with the logger's own source path, which hides the message.
"""

import argparse
import logging
import os
from pathlib import Path
from typing import List, Optional

from mmengine.logging import print_log

from mmcosa.datasets.converters.busi import convert_busi
from mmcosa.datasets.converters.errors import (
    ConversionError,
    describe_os_error,
)
from mmcosa.datasets.converters.udiat import convert_udiat

__all__ = ['busi_main', 'udiat_main']


def _common_parser(description: str, raw_help: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument('raw', type=Path, help=raw_help)
    p.add_argument('out', type=Path, help='prepared folder to create')
    p.add_argument(
        '--folds',
        type=int,
        default=5,
        help='cross-validation folds (default 5)',
    )
    p.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the fold assignment (default 0)',
    )
    p.add_argument(
        '--keep-conflicts',
        action='store_true',
        help='keep duplicate images whose labels differ '
        '(default: exclude them, listed in the summary)',
    )
    p.add_argument(
        '--skip-bad',
        action='store_true',
        help='leave unreadable or inconsistent files out and '
        'list them, instead of failing',
    )
    p.add_argument(
        '--overwrite',
        action='store_true',
        help='replace a previous conversion at OUT (swapped in '
        'only once the new one is complete)',
    )
    p.add_argument(
        '--dedup',
        choices=('full', 'hash', 'none'),
        default='full',
        help='duplicate search: full = keypoints + pixel check, finds '
        'same-frame copies (re-crops, resizes, zooms, sector vs crop, '
        'added marks) and adjacent frames of one sweep (default); hash = '
        'identical pixels and dHash only (fast, misses most re-crops); '
        'none = no search (folds may leak)',
    )
    p.add_argument(
        '--dup-threshold',
        type=int,
        default=20,
        help='--dedup hash: max dHash distance (of 256 bits) of near '
        'duplicates; 0 = exact only (default 20)',
    )
    p.add_argument(
        '--workers',
        type=int,
        default=min(4, os.cpu_count() or 1),
        help='threads reading and writing images; the output does not '
        'depend on it (default: min(4, CPU cores))',
    )
    p.add_argument(
        '--no-progress', action='store_true', help='no progress bar'
    )
    return p


def _run(convert, args, **extra) -> int:
    try:
        convert(
            args.raw,
            args.out,
            num_folds=args.folds,
            seed=args.seed,
            keep_conflicts=args.keep_conflicts,
            skip_bad=args.skip_bad,
            overwrite=args.overwrite,
            dedup=args.dedup,
            dup_threshold=args.dup_threshold,
            progress=not args.no_progress,
            workers=args.workers,
            **extra,
        )
    except (ConversionError, ValueError, OSError) as e:
        # one problem: one line; several: a list under the heading line
        text = describe_os_error(e, args.out) if isinstance(e, OSError) else e
        sep = '\n' if '\n' in str(text) else ' '
        print_log(
            f'conversion failed, nothing written to {args.out}:{sep}{text}',
            logger='current',
            level=logging.WARNING,
        )
        return 1
    print_log(
        f'check it with: python tools/dataset_converters/verify.py {args.out}',
        logger='current',
    )
    return 0


def busi_main(argv: Optional[List[str]] = None) -> int:
    """``busi.py RAW OUT [options]``; returns the exit code."""
    p = _common_parser(
        'Convert BUSI (Dataset_BUSI_with_GT) to the mmcosa layout.',
        'Dataset_BUSI_with_GT (holding benign/ malignant/ normal/) or its '
        'parent',
    )
    p.add_argument(
        '--keep-normal',
        action='store_true',
        help='keep normal images (label 2, empty mask)',
    )
    args = p.parse_args(argv)
    return _run(convert_busi, args, keep_normal=args.keep_normal)


def udiat_main(argv: Optional[List[str]] = None) -> int:
    """``udiat.py RAW OUT [options]``; returns the exit code."""
    p = _common_parser(
        'Convert UDIAT Dataset B to the mmcosa layout.',
        'folder holding original/, GT/ and DatasetB.xlsx',
    )
    p.add_argument(
        '--labels',
        type=Path,
        default=None,
        help='label sheet (DatasetB.xlsx or a CSV export with '
        'columns Image, Type, Diagnosis); default: found in RAW',
    )
    args = p.parse_args(argv)
    return _run(convert_udiat, args, labels=args.labels)
