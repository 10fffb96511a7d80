# MTL-COSA trained on BUSI + UDIAT together and tested on each, as RMTL
# (IEEE Access 2023) re-ran it: 5-fold cross-validation, fold k trains on
# both data sets' fold-k training splits, task weights alpha 0.9 /
# beta 0.1. RMTL's figures (5-fold means, %):
#   BUSI   DSC 78.90  IoU 70.65  ACC 91.49  AUC 96.77
#   UDIAT  DSC 84.07  IoU 76.05  ACC 87.08  AUC 93.61
#
# Prepare data/busi and data/udiat with the same --folds (see the README),
# then:
#   python tools/crossval.py configs/mtl_cosa_r101_busi_udiat.py \
#       --folds 5 --work-dir work_dirs/mtl_cosa_r101_busi_udiat_cv
# summary.md gives the BUSI and the UDIAT test folds side by side
# (docs/en/cross_validation.md).
#
# Inherited (one level): the runtime, the joint data
# (_base_/datasets/busi_udiat.py: BUSI's 256x256 pipelines, augmentation
# and batch 12 on both data sets) and the paper's schedule
# (_base_/schedules/adam_100e.py). The model is mtl_cosa_r101_busi.py's
# (the paper's network, weighted-sum COSA fusion) with RMTL's task
# weights.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/busi_udiat.py',
    './_base_/schedules/adam_100e.py',
]

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
    type='MultiTaskEncoderDecoder',
    data_preprocessor=data_preprocessor,
    # ResNet-101 in torchvision's layout returning C1 (stem, stride 2, 64
    # channels) to C5 (layer4, stride 32, 2048 channels).
    backbone=dict(
        type='ResNetWithStem',
        depth=101,
        norm_cfg=norm_cfg,
        # ImageNet weights for users who can fetch them. Offline:
        #   --cfg-options model.backbone.init_cfg=None   (from scratch)
        #   --cfg-options model.backbone.init_cfg.checkpoint=/path/r101.pth
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101'),
    ),
    # U-shaped decoder (SPEC section 2): U4..U1 with skips to C4..C1, then
    # a 3x3 conv to 2 classes and a bilinear x2 to the input size.
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
        # alpha = 0.9 (RMTL's re-run; the paper: 0.8)
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.9
        ),
    ),
    # COSA (SPEC section 3): background / tumour / margin maps from the
    # argmax of the segmentation (no gradient), margin = 5x5 dilation of
    # the Sobel contour; three two-input self-attention blocks on C5;
    # GAP each; fuse the three 2048-vectors.
    cls_neck=dict(
        type='COSANeck',
        in_channels=2048,
        tumour_index=1,
        dilation_size=5,
        resize_mode='area',  # region maps to the 8x8 C5 grid
        # 'weighted_sum': the ISBI text (4 parameters); 'conv': RMTL's
        # 6144 -> 2048 conv + BN (reproduces RMTL's parameter count).
        fusion='weighted_sum',
    ),
    # Dropout 0.5 + FC(2048 -> 2).
    cls_head=dict(
        type='BUSClsHead',
        in_channels=2048,
        num_classes=2,  # benign, malignant
        dropout_ratio=0.5,
        # beta = 0.1 (RMTL's re-run; the paper: 0.2)
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.1),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
# tools/test.py --tta averages the masks and the class scores over views.
tta_model = dict(type='MultiTaskTTAModel')

# Segmentation and classification metrics (benign positive, as the
# paper's tables) come with the data config.
custom_hooks = [dict(type='BUSVisualizationHook', num_images=4)]
