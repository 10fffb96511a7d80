# MTL: U-ResNet-101 segmentation branch plus GAP(C5) -> FC classification
# branch, trained on alpha * L_seg + beta * L_cls.
# alpha / beta are the loss_weight of decode_head.loss_decode / of
# cls_head.loss_cls (paper: 0.8 / 0.2; RMTL's re-run: 0.9 / 0.1).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],  # ImageNet, RGB order
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(256, 256),
)
model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNetWithStem',
        depth=101,
        norm_cfg=norm_cfg,
        # ImageNet weights for users who can fetch them. Offline:
        #   --cfg-options model.backbone.init_cfg=None   (from scratch)
        #   --cfg-options model.backbone.init_cfg.checkpoint=/path/r101.pth
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101'),
    ),
    decode_head=dict(
        type='UResNetHead',
        in_channels=[64, 256, 512, 1024, 2048],  # C1..C5
        in_index=[0, 1, 2, 3, 4],
        channels=64,  # U1 width
        num_classes=2,  # background, tumour
        upsample='bilinear',  # or 'deconv'
        dropout_ratio=0.0,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.8
        ),
    ),  # alpha
    cls_neck=dict(type='GAPNeck'),
    cls_head=dict(
        type='BUSClsHead',
        in_channels=2048,
        num_classes=2,  # benign, malignant
        dropout_ratio=0.0,  # MTL: GAP + FC only (4,098 parameters)
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.2),
    ),  # beta
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
tta_model = dict(type='MultiTaskTTAModel')
