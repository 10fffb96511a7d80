# ResNet-101 (single-task classifier, the paper's Table 2 baseline) on
# BUSI, through mmpretrain's own ResNet / GAP / linear head. The paper's
# row (5-fold CV means, %; benign = positive class, as in the paper):
#   classification TPR 93.56  FPR 17.14  ACC 90.10  PRE 91.90  F1 92.68
#                  AUC 0.96
#
# Train / test one fold (prepare data/busi first, see the README):
#   python tools/train.py configs/resnet101_busi.py
#   python tools/test.py configs/resnet101_busi.py \
#       work_dirs/resnet101_busi/epoch_100.pth
# 5-fold cross-validation:
#   python tools/crossval.py configs/resnet101_busi.py --folds 5 \
#       --work-dir work_dirs/resnet101_busi_cv
#
# Same data, folds, 256x256 input, augmentation, batch 12 and schedule as
# the multi-task models: inherited (one level) from the runtime,
# _base_/datasets/busi_cls.py (no mask loaded; packed by mmpretrain's
# PackInputs) and _base_/schedules/adam_100e.py (Adam 1e-4, betas
# (0.9, 0.99), weight decay 5e-4, 100 epochs, lr x 0.1 every 20 epochs).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/busi_cls.py',
    './_base_/schedules/adam_100e.py',
]

model = dict(
    # Build the classifier, backbone, neck, head and data preprocessor
    # from mmpretrain's registry (the runtime's default scope is mmseg).
    _scope_='mmpretrain',
    # mmpretrain's ImageClassifier plus two things: it also accepts the
    # SegDataSamples of the segmentation pipelines, and a failed
    # pretrained download ends with a message saying what to do
    # (mmcosa/models/classifiers/bus_image_classifier.py).
    type='BUSImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=2,
        mean=[123.675, 116.28, 103.53],  # ImageNet statistics, RGB order
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    # mmpretrain's ResNet-101: its state-dict keys are torchvision's, so
    # torchvision's ImageNet weights load as they are (the same weights as
    # the multi-task models' backbone). Offline:
    #   --cfg-options model.backbone.init_cfg=None   (from scratch)
    #   --cfg-options model.backbone.init_cfg.checkpoint=/path/r101.pth
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=4,
        out_indices=(3,),  # C5: (N, 2048, 8, 8) at 256x256
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101'),
    ),
    neck=dict(type='GlobalAveragePooling'),  # -> (N, 2048)
    head=dict(
        type='LinearClsHead',  # FC(2048 -> 2), softmax cross-entropy
        num_classes=2,  # benign, malignant
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1,),
    ),
)

val_evaluator = [dict(type='BUSClsMetric', positive_class='benign')]
test_evaluator = val_evaluator
