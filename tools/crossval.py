"""K-fold cross-validation of one method, resumable.

``python tools/crossval.py CONFIG [--folds 5] --work-dir DIR
[--fold K ...] [--method NAME] [--cfg-options k=v ...]
[--external DATA_ROOT ... [--external-name NAME ...]] [--force]``

Trains and tests every fold in-process (fold ``k`` in ``DIR/fold_<k>``),
skipping folds whose results exist, tests each fold's model on every
image of the ``--external`` prepared folders too, then writes
``DIR/summary.json``, ``DIR/summary.md`` and ``DIR/roc.png``. ``DIR``
records the merged config, the options and the prepared splits; a rerun
with other settings stops (``--force`` moves the old run aside). See
``mmcosa.apis.run_crossval`` and ``docs/en/cross_validation.md``.
"""

import argparse
import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import DictAction  # noqa: E402

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from mmcosa.apis import run_crossval  # noqa: E402
from mmcosa.models import PretrainedWeightsError  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
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


def main(argv=None) -> int:
    args = parse_args(argv)
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


if __name__ == '__main__':
    sys.exit(main())
