# MTL-SA (the paper's self-attention baseline) on UDIAT: U-ResNet-101
# segmentation branch + self-attention(C5) -> GAP -> FC(2048 -> 2)
# classification branch, trained end to end on alpha * L_seg + beta * L_cls.
# The paper's row (5-fold CV means, %):
#   segmentation   TPR 78.54  FPR 15.50  mIoU 84.44  DSC 78.90  AER 36.96
#   classification TPR 90.82  FPR 25.64  ACC 85.34  PRE 88.24  F1 89.22
#                  (benign = positive class, as in the paper)
_base_ = [
    './_base_/models/mtl_sa_r101.py',
    './_base_/datasets/udiat.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
