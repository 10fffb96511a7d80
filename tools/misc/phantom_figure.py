"""``python tools/misc/phantom_figure.py [docs/figures/phantom.png]``.

Draws the phantom picture of docs/en/phantom.md. Thin wrapper around
:func:`mmcosa.cli.phantom.phantom_figure_main`.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds this dir.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)

from mmcosa.cli.phantom import phantom_figure_main  # noqa: E402

if __name__ == '__main__':
    sys.exit(phantom_figure_main())
