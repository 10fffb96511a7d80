# VGG-16 (single-task classifier, the paper's Table 2 baseline) on UDIAT,
# through mmpretrain's own VGG. The paper's row (5-fold CV means, %;
# benign = positive class, as in the paper):
#   classification TPR 85.33  FPR 33.27  ACC 79.16  PRE 84.10  F1 84.60
#
# Train / test one fold (prepare data/udiat first, see the README):
#   python tools/train.py configs/vgg16_udiat.py
#   python tools/test.py configs/vgg16_udiat.py \
#       work_dirs/vgg16_udiat/epoch_100.pth
# 5-fold cross-validation:
#   python tools/crossval.py configs/vgg16_udiat.py --folds 5 \
#       --work-dir work_dirs/vgg16_udiat_cv
#
# Same data, folds, 256x256 input, augmentation, batch 12 and schedule as
# the multi-task models: inherited (one level) from the runtime,
# _base_/datasets/udiat_cls.py (no mask loaded; packed by mmpretrain's
# PackInputs) and _base_/schedules/adam_100e.py (Adam 1e-4, betas
# (0.9, 0.99), weight decay 5e-4, 100 epochs, lr x 0.1 every 20 epochs).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/udiat_cls.py',
    './_base_/schedules/adam_100e.py',
]

# mmpretrain's ImageNet VGG-16 (no BN). Its keys are 'backbone.features.*'.
vgg16_imagenet = (
    'https://download.openmmlab.com/mmclassification/v0/vgg/'
    'vgg16_batch256_imagenet_20210208-db26f1a5.pth'
)
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
    # The 13 conv layers and 5 max-pools of VGG-16: (N, 512, 8, 8) at
    # 256x256. ImageNet weights of the conv layers for users who can fetch
    # them. Offline:
    #   --cfg-options model.backbone.init_cfg=None   (from scratch)
    #   --cfg-options model.backbone.init_cfg.checkpoint=/path/vgg16.pth
    backbone=dict(
        type='VGG',
        depth=16,
        num_classes=-1,  # features only; the classifier is the head below
        init_cfg=dict(
            type='Pretrained', checkpoint=vgg16_imagenet, prefix='backbone'
        ),
    ),
    # VGG's own classifier flattens a 7x7 map (224x224 input) and cannot
    # take 256x256; GAP makes the head size-independent.
    neck=dict(type='GlobalAveragePooling'),  # -> (N, 512)
    # VGG-16's classifier shape: FC 4096 - ReLU - dropout 0.5 - FC 4096 -
    # ReLU - dropout 0.5 - FC 2 (trained from scratch: 18.9M parameters).
    head=dict(
        type='StackedLinearClsHead',
        num_classes=2,  # benign, malignant
        in_channels=512,
        mid_channels=[4096, 4096],
        dropout_rate=0.5,
        act_cfg=dict(type='ReLU'),
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1,),
    ),
)

val_evaluator = [dict(type='BUSClsMetric', positive_class='benign')]
test_evaluator = val_evaluator
