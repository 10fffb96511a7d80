# MTL-COSA (Xu, Huang, Qi, ISBI 2022) on BUSI: U-ResNet-101 segmentation
# branch + COSA classification branch, trained end to end on
# alpha * L_seg + beta * L_cls. The paper's row (5-fold CV means, %):
#   segmentation   TPR 77.85  FPR 37.01  mIoU 82.13  DSC 77.48  AER 59.15
#   classification TPR 92.20  FPR 10.00  ACC 91.48  PRE 95.05  F1 93.59
#                  AUC 0.97 (benign = positive class, as in the paper)
_base_ = [
    './_base_/models/mtl_cosa_r101.py',
    './_base_/datasets/busi.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
