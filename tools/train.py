"""Train a model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume]
[--amp] [--trust-checkpoint] [--cfg-options k=v ...]
[--launcher {none,pytorch,slurm,mpi}]``.

The arguments are mmsegmentation's own plus ``--trust-checkpoint``; config,
data and ``--resume`` problems end with one line before training starts.
See ``mmcosa.cli.train_test`` and docs/en/robustness.md.
"""

import os.path as osp
import sys

# Run from a checkout without `pip install -e .`: sys.path holds tools/.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from mmcosa.cli.train_test import run_train  # noqa: E402

if __name__ == '__main__':
    run_train()
