# VGG-16 (single-task classifier, the paper's Table 2 baseline) on BUSI,
# through mmpretrain's own VGG. The paper's row (5-fold CV means, %;
# benign = positive class, as in the paper):
#   classification TPR 89.22  FPR 20.95  ACC 85.92  PRE 89.83  F1 89.51
_base_ = [
    './_base_/models/vgg16.py',
    './_base_/datasets/busi_cls.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
