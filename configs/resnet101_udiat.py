# ResNet-101 (single-task classifier, the paper's Table 2 baseline) on
# UDIAT, through mmpretrain's own ResNet / GAP / linear head. The paper's
# row (5-fold CV means, %; benign = positive class, as in the paper):
#   classification TPR 90.91  FPR 29.82  ACC 84.09  PRE 86.23  F1 88.38
#                  AUC 0.89
_base_ = [
    './_base_/models/resnet101.py',
    './_base_/datasets/udiat_cls.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
