# LeNet (LeNet-5, single-task classifier, the paper's Table 2 baseline) on
# UDIAT, through mmpretrain's own LeNet5. The paper's row (5-fold CV means,
# %; benign = positive class, as in the paper):
#   classification TPR 92.73  FPR 51.82  ACC 77.99  PRE 78.26  F1 84.74
_base_ = [
    './_base_/models/lenet.py',
    './_base_/datasets/udiat_cls.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
