# MTL (the paper's multi-task baseline) on BUSI: U-ResNet-101 segmentation
# branch + GAP(C5) -> FC(2048 -> 2) classification branch, trained end to
# end on alpha * L_seg + beta * L_cls. The paper's row (5-fold CV means, %):
#   segmentation   TPR 77.52  FPR 39.11  mIoU 81.48  DSC 76.38  AER 61.59
#   classification TPR 93.57  FPR 14.76  ACC 90.86  PRE 92.98  F1 93.22
#                  (benign = positive class, as in the paper)
_base_ = [
    './_base_/models/mtl_r101.py',
    './_base_/datasets/busi.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
