# MTL (the paper's multi-task baseline) on UDIAT: U-ResNet-101 segmentation
# branch + GAP(C5) -> FC(2048 -> 2) classification branch, trained end to
# end on alpha * L_seg + beta * L_cls. The paper's row (5-fold CV means, %):
#   segmentation   TPR 82.18  FPR 23.03  mIoU 85.00  DSC 79.92  AER 40.85
#   classification TPR 92.73  FPR 31.64  ACC 84.69  PRE 86.09  F1 88.88
#                  (benign = positive class, as in the paper)
_base_ = [
    './_base_/models/mtl_r101.py',
    './_base_/datasets/udiat.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
