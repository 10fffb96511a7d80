# MTL, the paper's multi-task baseline: UResNet-101 (./uresnet_r101.py)
# plus a GAP(C5) -> FC classification branch, trained on
# alpha * L_seg + beta * L_cls. alpha / beta are the loss_weight of
# decode_head.loss_decode / of cls_head.loss_cls (paper: 0.8 / 0.2;
# RMTL's re-run: 0.9 / 0.1).
_base_ = ['./uresnet_r101.py']

model = dict(
    type='MultiTaskEncoderDecoder',
    decode_head=dict(loss_decode=dict(loss_weight=0.8)),  # alpha
    cls_neck=dict(type='GAPNeck'),  # GAP(C5) -> 2048-vector; no parameters
    # FC(2048 -> 2): MTL = U-ResNet + 4,098 parameters (RMTL's count).
    cls_head=dict(
        type='BUSClsHead',
        in_channels=2048,
        num_classes=2,  # benign, malignant
        dropout_ratio=0.0,
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.2),  # beta
    ),
)
# tools/test.py --tta averages the masks and the class scores over views.
tta_model = dict(type='MultiTaskTTAModel')
