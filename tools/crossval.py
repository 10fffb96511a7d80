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

Thin wrapper around :func:`mmcosa.cli.crossval.crossval_main`.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from mmcosa.cli.crossval import crossval_main as main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
