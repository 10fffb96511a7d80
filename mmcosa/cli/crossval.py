"""Command lines of ``tools/crossval.py`` and ``tools/crossval_table.py``.

``crossval.py`` runs :func:`mmcosa.apis.run_crossval` (train and test every
fold, then summarise); ``crossval_table.py`` sets the summaries of several
runs beside the paper's rows with
:func:`mmcosa.evaluation.crossval.build_comparison`. Both return the
process exit code: 0 on success, 1 with one line on stderr when a file or
a setting is wrong, 2 on bad arguments (argparse).
"""

import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

from mmengine.config import DictAction

from mmcosa.apis import run_crossval
from mmcosa.evaluation.crossval import build_comparison
from mmcosa.models import PretrainedWeightsError

__all__ = ['crossval_main', 'crossval_table_main']


def _crossval_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Cross-validate a config: train and test every fold.'
    )
    parser.add_argument('config', help='config file of the method')
    parser.add_argument(
        '--folds',
        type=int,
        default=5,
        help='number of folds (default 5); must equal the prepared '
        "folders' num_folds (meta.json)",
    )
    parser.add_argument(
        '--work-dir', required=True, help='output folder of the run'
    )
    parser.add_argument(
        '--fold',
        type=int,
        nargs='+',
        default=None,
        help='run only these folds (e.g. one per machine); the summary '
        'covers every finished fold',
    )
    parser.add_argument(
        '--method',
        default=None,
        help='method name in the tables (default: the config file name)',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (applied to every fold)',
    )
    parser.add_argument(
        '--external',
        nargs='+',
        default=[],
        metavar='DATA_ROOT',
        help='also test each fold on every image of these prepared folders '
        '(external validation, e.g. data/udiat for a BUSI config)',
    )
    parser.add_argument(
        '--external-name',
        nargs='+',
        default=None,
        metavar='NAME',
        help='one name per --external folder (default: the folder name)',
    )
    parser.add_argument(
        '--force',
        action='store_true',
        help='move an existing run in --work-dir aside '
        '(<work-dir>.old-<time>) and start over',
    )
    return parser.parse_args(argv)


def crossval_main(argv: Optional[List[str]] = None) -> int:
    """``crossval.py CONFIG --work-dir DIR [options]``.

    Returns:
        int: 0 on success; 1 (with the message on stderr) when a file is
        missing, a setting does not fit the data or pretrained weights
        cannot be loaded.
    """
    args = _crossval_args(argv)
    try:
        names = args.external_name
        if names is not None and len(names) != len(args.external):
            raise ValueError(
                f'{len(names)} --external-name for {len(args.external)} '
                '--external folders; give one name per folder.'
            )
        names = names or [None] * len(args.external)
        run_crossval(
            args.config,
            args.work_dir,
            args.folds,
            cfg_options=args.cfg_options,
            only_folds=args.fold,
            method=args.method,
            external=list(zip(names, args.external)),
            force=args.force,
        )
    except (FileNotFoundError, ValueError, PretrainedWeightsError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0


def _table_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Side-by-side cross-validation tables with the '
        "paper's published numbers."
    )
    parser.add_argument(
        'work_dirs', nargs='+', help='tools/crossval.py work dirs'
    )
    parser.add_argument(
        '--dataset',
        required=True,
        help="published rows to show: 'busi' or 'udiat' (alias 'b')",
    )
    parser.add_argument(
        '--names', nargs='+', default=None, help='one method name per dir'
    )
    parser.add_argument('--out', default=None, help='write the tables here')
    return parser.parse_args(argv)


def crossval_table_main(argv: Optional[List[str]] = None) -> int:
    """``crossval_table.py DIR [DIR ...] --dataset NAME [options]``.

    Returns:
        int: 0 on success; 1 (with the message on stderr) when a work dir
        has no ``summary.json`` or the data set is unknown.
    """
    args = _table_args(argv)
    try:
        text = build_comparison(args.work_dirs, args.dataset, args.names)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(text)
    print(text)
    return 0
