"""Gather several cross-validated methods into the paper's tables.

``python tools/crossval_table.py DIR [DIR ...] --dataset busi
[--names NAME ...] [--out FILE]``

Each DIR is a ``tools/crossval.py`` work dir (holding ``summary.json``).
Prints Table 1 (segmentation) and Table 2 (classification) in markdown,
with the paper's published rows of the data set for comparison, and writes
them to ``--out`` when given. See
``mmcosa.evaluation.crossval.build_comparison``.

Thin wrapper around :func:`mmcosa.cli.crossval.crossval_table_main`.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmcosa.cli.crossval import crossval_table_main as main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
