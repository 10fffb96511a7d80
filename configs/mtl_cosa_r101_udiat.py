# MTL-COSA (Xu, Huang, Qi, ISBI 2022) on UDIAT: U-ResNet-101 segmentation
# branch + COSA classification branch, trained end to end on
# alpha * L_seg + beta * L_cls. The paper's row (5-fold CV means, %):
#   segmentation   TPR 82.17  FPR 17.14  mIoU 85.87  DSC 81.82  AER 34.97
#   classification TPR 91.73  FPR 22.36  ACC 87.08  PRE 89.36  F1 90.41
#                  AUC 0.93 (benign = positive class, as in the paper)
_base_ = [
    './_base_/models/mtl_cosa_r101.py',
    './_base_/datasets/udiat.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]
