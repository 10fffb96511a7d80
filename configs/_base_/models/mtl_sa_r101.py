# MTL-SA, the paper's self-attention baseline: UResNet-101
# (./uresnet_r101.py) plus a self-attention(C5) -> GAP -> FC classification
# branch, trained on alpha * L_seg + beta * L_cls (loss_weight of
# decode_head.loss_decode / of cls_head.loss_cls; paper: 0.8 / 0.2).
_base_ = ['./uresnet_r101.py']

model = dict(
    type='MultiTaskEncoderDecoder',
    decode_head=dict(loss_decode=dict(loss_weight=0.8)),  # alpha
    # Position attention over the whole C5 (query / key 1x1 convs
    # 2048 -> 256, learnable scale), then GAP -> 2048-vector.
    cls_neck=dict(type='SANeck', in_channels=2048, reduction=8),
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
