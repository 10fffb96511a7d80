"""Gather several cross-validated methods into the paper's tables.

``python tools/crossval_table.py DIR [DIR ...] --dataset busi
[--names NAME ...] [--out FILE]``

Each DIR is a ``tools/crossval.py`` work dir (holding ``summary.json``).
Prints Table 1 (segmentation) and Table 2 (classification) in markdown,
with the paper's published rows of the data set for comparison, and writes
them to ``--out`` when given. See ``mmcosa.apis.build_comparison``.
"""

import argparse
import os
import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmcosa.evaluation.crossval import build_comparison  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
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


def main(argv=None) -> int:
    args = parse_args(argv)
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


if __name__ == '__main__':
    sys.exit(main())
