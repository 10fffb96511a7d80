"""Shortcut audit of a trained classifier on its test split.

``python tools/analysis_tools/shortcut_audit.py CONFIG CKPT [--fold K]
[--out FILE.json]``: AUC and ACC on the images as they are, with the
lesion neighbourhood hidden, with only the lesion neighbourhood kept, with
the overlay marks inpainted, and of a logistic regression on the image
size alone. See docs/en/shortcut_audit.md and
``mmcosa.analysis.run_shortcut_audit``.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from mmcosa.cli.shortcut_audit import shortcut_audit_main  # noqa: E402

if __name__ == '__main__':
    sys.exit(shortcut_audit_main())
