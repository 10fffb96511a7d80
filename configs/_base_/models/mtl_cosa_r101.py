# MTL-COSA (Xu et al., ISBI 2022): UResNet-101 (./uresnet_r101.py) plus the
# COSA classification branch, trained on alpha * L_seg + beta * L_cls.
# alpha / beta are the loss_weight of decode_head.loss_decode / of
# cls_head.loss_cls (paper: 0.8 / 0.2; RMTL's re-run: 0.9 / 0.1).
_base_ = ['./uresnet_r101.py']

model = dict(
    type='MultiTaskEncoderDecoder',
    decode_head=dict(loss_decode=dict(loss_weight=0.8)),  # alpha
    # Background / tumour / margin maps from the argmax of the segmentation
    # (no gradient), margin = 5x5 dilation of the Sobel contour; three
    # two-input self-attention blocks on C5; GAP each; fuse the three
    # 2048-vectors.
    cls_neck=dict(
        type='COSANeck',
        in_channels=2048,
        tumour_index=1,
        dilation_size=5,  # 5x5 square structuring element
        resize_mode='area',  # region maps to C5: area / nearest / bilinear
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
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.2),  # beta
    ),
)
# tools/test.py --tta averages the masks and the class scores over views.
tta_model = dict(type='MultiTaskTTAModel')
