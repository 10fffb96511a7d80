# VGG-16 (single-task classifier, the paper's Table 2 baseline) on UDIAT,
# through mmpretrain's own VGG. The paper's row (5-fold CV means, %;
# benign = positive class, as in the paper):
#   classification TPR 85.33  FPR 33.27  ACC 79.16  PRE 84.10  F1 84.60
_base_ = [
    './_base_/models/vgg16.py',
    './_base_/datasets/udiat_cls.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
