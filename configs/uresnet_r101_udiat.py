# UResNet (the paper's single-task segmenter) on UDIAT: ResNet-101 + the
# U-shaped decoder, a plain mmseg EncoderDecoder without classification
# branch, trained on L_seg alone. The paper's row (5-fold CV means, %):
#   segmentation   TPR 84.39  FPR 34.03  mIoU 86.11  DSC 82.25  AER 49.64
_base_ = [
    './_base_/models/uresnet_r101.py',
    './_base_/datasets/udiat.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]

# Segmentation metrics only (no class prediction).
val_evaluator = [dict(type='BUSSegMetric')]
test_evaluator = val_evaluator
