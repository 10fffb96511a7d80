# ResNet-101 (single-task classifier, the paper's Table 2 baseline) on
# BUSI, through mmpretrain's own ResNet / GAP / linear head. The paper's
# row (5-fold CV means, %; benign = positive class, as in the paper):
#   classification TPR 93.56  FPR 17.14  ACC 90.10  PRE 91.90  F1 92.68
#                  AUC 0.96
_base_ = [
    './_base_/models/resnet101.py',
    './_base_/datasets/busi_cls.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
