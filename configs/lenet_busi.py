# LeNet (LeNet-5, single-task classifier, the paper's Table 2 baseline) on
# BUSI, through mmpretrain's own LeNet5. The paper's row (5-fold CV means,
# %; benign = positive class, as in the paper):
#   classification TPR 90.84  FPR 43.33  ACC 79.74  PRE 81.44  F1 85.81
_base_ = [
    './_base_/models/lenet.py',
    './_base_/datasets/busi_cls.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
