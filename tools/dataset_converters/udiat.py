"""``python tools/dataset_converters/udiat.py --help``.

See docs/en/dataset_prepare.md.

Thin wrapper around :func:`mmcosa.cli.convert.udiat_main`.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds this dir.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)

from mmcosa.cli.convert import udiat_main  # noqa: E402

if __name__ == '__main__':
    sys.exit(udiat_main())
