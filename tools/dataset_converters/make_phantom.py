"""``python tools/dataset_converters/make_phantom.py OUT --layout busi``.

Writes phantom cases in the downloaded BUSI or UDIAT layout; see
docs/en/phantom.md. Thin wrapper around
:func:`mmcosa.cli.phantom.make_phantom_main`.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds this dir.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)

from mmcosa.cli.phantom import make_phantom_main  # noqa: E402

if __name__ == '__main__':
    sys.exit(make_phantom_main())
