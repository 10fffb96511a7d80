# LeNet-5, the paper's single-task classifier baseline, through
# mmpretrain's own LeNet5, built as BUSImageClassifier from mmpretrain's
# registry (see ./resnet101.py).
# LeNet-5 was made for 32x32 grey digits: one input channel, and a
# classifier that expects the 1x1x120 map a 32x32 input gives. At 256x256
# the three 5x5 convs (tanh) and two 2x2 average pools give a
# (N, 120, 57, 57) map, each position seeing a 32x32 window; a global
# average pool turns it into the 120-vector LeNet's classifier
# (FC 120 -> 84, tanh, FC 84 -> 2) expects. The colour input is turned
# into one grey channel by the data preprocessor. Trained from scratch
# (there are no ImageNet weights of LeNet).
model = dict(
    _scope_='mmpretrain',
    type='BUSImageClassifier',
    # Batch, BGR -> RGB -> grey (BT.601 luma), (x - 127.5) / 127.5:
    # (N, 1, 256, 256) (mmcosa/models/classifiers/).
    data_preprocessor=dict(
        type='GreyClsDataPreprocessor', mean=127.5, std=127.5
    ),
    backbone=dict(type='LeNet5', num_classes=-1),  # features only
    neck=dict(type='GlobalAveragePooling'),  # -> (N, 120)
    head=dict(
        type='StackedLinearClsHead',
        num_classes=2,  # benign, malignant
        in_channels=120,
        mid_channels=[84],
        act_cfg=dict(type='Tanh'),
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1,),
    ),
)
