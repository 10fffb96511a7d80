"""Print a config merged with its bases, as mmsegmentation's tool does.

``python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]``

The configs under ``configs/`` compose ``_base_`` files; this prints the
values a run actually uses (``--cfg-options`` merged as in
``tools/train.py``). A missing or unreadable config, or options that do not
merge, end with one line on stderr.
"""

import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

# Run from a checkout without `pip install -e .`: sys.path holds this dir.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)

from mmcosa.utils.preflight import ConfigError, load_config  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Print a config merged with its _base_ files'
    )
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings, key=value (as in tools/train.py)',
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        cfg = load_config(args.config, args.cfg_options)
    except ConfigError as err:
        sys.stderr.write(f'error: {err}\n')
        return 1
    print(f'Config:\n{cfg.pretty_text}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
