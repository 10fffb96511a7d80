# UResNet (the paper's single-task segmenter) on BUSI: ResNet-101 + the
# U-shaped decoder, a plain mmseg EncoderDecoder without classification
# branch, trained on L_seg alone. The paper's row (5-fold CV means, %):
#   segmentation   TPR 77.09  FPR 33.34  mIoU 82.27  DSC 77.63  AER 56.25
_base_ = [
    './_base_/models/uresnet_r101.py',
    './_base_/datasets/busi.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]

# Segmentation metrics only (no class prediction).
val_evaluator = [dict(type='BUSSegMetric')]
test_evaluator = val_evaluator
