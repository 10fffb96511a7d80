# MTL-COSA (Xu, Huang, Qi, ISBI 2022) on BUSI: U-ResNet-101 segmentation
# branch + COSA classification branch, trained end to end on
# alpha * L_seg + beta * L_cls. The paper's row (5-fold CV means, %):
#   segmentation   TPR 77.85  FPR 37.01  mIoU 82.13  DSC 77.48  AER 59.15
#   classification TPR 92.20  FPR 10.00  ACC 91.48  PRE 95.05  F1 93.59
#                  AUC 0.97 (benign = positive class, as in the paper)
#
# Train / test one fold (prepare data/busi first, see the README):
#   python tools/train.py configs/mtl_cosa_r101_busi.py
#   python tools/test.py configs/mtl_cosa_r101_busi.py \
#       work_dirs/mtl_cosa_r101_busi/epoch_100.pth
# 5-fold cross-validation:
#   python tools/crossval.py configs/mtl_cosa_r101_busi.py --folds 5 \
#       --work-dir work_dirs/mtl_cosa_r101_busi_cv
#
# Inherited (one level): the runtime, BUSI 256x256 pipelines with the
# paper's augmentation and batch 12 (_base_/datasets/busi.py), and the
# paper's schedule (Adam 1e-4, betas (0.9, 0.99), weight decay 5e-4,
# 100 epochs, lr x 0.1 every 20 epochs; _base_/schedules/adam_100e.py).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/busi.py',
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
        # alpha = 0.8 (RMTL's re-run: 0.9)
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.8
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
        # beta = 0.2 (RMTL's re-run: 0.1)
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.2),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)
# tools/test.py --tta averages the masks and the class scores over views.
tta_model = dict(type='MultiTaskTTAModel')

# Segmentation and classification metrics; the paper's tables take benign
# as the positive class (the malignant sensitivity / specificity are
# reported beside them).
val_evaluator = [
    dict(type='BUSSegMetric'),
    dict(type='BUSClsMetric', positive_class='benign'),
]
test_evaluator = val_evaluator

# Draws the first validation images (prediction, margin ring, class and
# malignancy probability over the ground truth) at every evaluation into
# <work_dir>/vis/ and the vis backends; mmseg's SegVisualizationHook draws
# nothing on sets this small. tools/test.py --show-dir draws every image.
custom_hooks = [dict(type='BUSVisualizationHook', num_images=4)]
