"""Time the MTL-COSA models side by side, and what feeds them.

``python tools/analysis_tools/benchmark.py [--device cpu|cuda] [--amp]
[--channels-last] [--batch-size 2] [--repeats 5] [--warmup 2] [--threads N]
[--out r.json]``

UResNet, MTL, MTL-SA, MTL-COSA (ResNet-101, 256x256) and the two-model
pipeline (UResNet, then the ResNet-101 classifier): training step time
(Adam of the paper's schedule), inference time per image, peak memory,
parameters and FLOPs per image; the COSA region split; the BUSI training
pipeline on phantom files. Prints a table of medians and the targets, and
writes everything as JSON.

``--backends`` (or ``--only-backends``) adds the CPU inference backends
side by side: fp32 PyTorch, bf16 PyTorch (skipped without AVX-512 BF16 /
AMX), ONNX Runtime fp32 and int8, with the ratio to fp32 PyTorch; with
``--deploy-config CFG --deploy-checkpoint CKPT --accuracy-images 100`` also
each path's mask IoU, |p diff| and AUC against fp32. See
docs/en/performance.md; the logic is in the ``benchmark_lib/`` package next
to this file (a different name from this script's, so neither shadows the
other).
"""

import os.path as osp
import sys

# The repository root: `mmcosa` from a checkout without `pip install`, and
# `tools.analysis_tools.benchmark_lib` (the package beside this script).
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
)

import mmcosa  # noqa: E402,F401  (registers components, applies compat)
from tools.analysis_tools.benchmark_lib import main  # noqa: E402

if __name__ == '__main__':
    main()
