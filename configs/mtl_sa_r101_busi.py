# MTL-SA (the paper's self-attention baseline) on BUSI: U-ResNet-101
# segmentation branch + self-attention(C5) -> GAP -> FC(2048 -> 2)
# classification branch, trained end to end on alpha * L_seg + beta * L_cls.
# The paper's row (5-fold CV means, %):
#   segmentation   TPR 75.28  FPR 37.05  mIoU 81.09  DSC 75.61  AER 61.77
#   classification TPR 94.27  FPR 16.19  ACC 90.87  PRE 92.39  F1 93.30
#                  (benign = positive class, as in the paper)
_base_ = [
    './_base_/models/mtl_sa_r101.py',
    './_base_/datasets/busi.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
