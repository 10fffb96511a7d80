# ResNet-101, the paper's single-task classifier baseline, through
# mmpretrain's own ResNet / GAP / linear head. Built from mmpretrain's
# registry (the runtime's default scope is mmseg) as BUSImageClassifier:
# mmpretrain's ImageClassifier that also accepts the SegDataSamples of the
# segmentation pipelines and ends a failed pretrained download with a
# message saying what to do
# (mmcosa/models/classifiers/bus_image_classifier.py).
model = dict(
    _scope_='mmpretrain',
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
