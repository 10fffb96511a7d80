"""``python tools/dataset_converters/verify.py --help``.

See docs/en/dataset_prepare.md and docs/en/leak_audit.md.

Thin wrapper around :func:`mmcosa.cli.verify.verify_main`.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds this dir.
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)

from mmcosa.cli.verify import verify_main  # noqa: E402

if __name__ == '__main__':
    sys.exit(verify_main())
