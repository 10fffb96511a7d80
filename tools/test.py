"""Test (and evaluate) a checkpoint: ``python tools/test.py CONFIG CKPT
[--work-dir DIR] [--out DIR] [--show-dir DIR] [--tta] [--allow-partial-load]
[--trust-checkpoint] [--cfg-options ...]
[--launcher {none,pytorch,slurm,mpi}]``.

The arguments are mmsegmentation's own plus ``--allow-partial-load`` and
``--trust-checkpoint``. A checkpoint that does not fit the config's model is
refused; nothing of the training data is read. See
``mmcosa.cli.train_test`` and docs/en/robustness.md.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from mmcosa.cli.train_test import run_test  # noqa: E402

if __name__ == '__main__':
    run_test()
