# UResNet, the paper's single-task segmenter: a plain mmseg EncoderDecoder.
# ResNet-101 in torchvision's layout returns C1 (stem, stride 2, 64
# channels) to C5 (layer4, stride 32, 2048 channels); the U-shaped decoder
# runs U4..U1 with skips to C4..C1, then a 3x3 conv to 2 classes and a
# bilinear x2 to the input size. The multi-task bases (mtl_*_r101.py) add a
# classification branch to this model.
crop_size = (256, 256)
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],  # ImageNet statistics, RGB order
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size,
)
model = dict(
    type='EncoderDecoder',
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
        upsample='bilinear',  # not stated in the paper; or 'deconv'
        dropout_ratio=0.0,
        norm_cfg=norm_cfg,
        align_corners=False,
        # single task: weight 1 (alpha in the multi-task bases)
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0
        ),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
# tools/test.py --tta averages the masks over views.
tta_model = dict(type='SegTTAModel')
