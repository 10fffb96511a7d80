# LeNet (LeNet-5, single-task classifier, the paper's Table 2 baseline) on
# BUSI, through mmpretrain's own LeNet5. The paper's row (5-fold CV means,
# %; benign = positive class, as in the paper):
#   classification TPR 90.84  FPR 43.33  ACC 79.74  PRE 81.44  F1 85.81
#
# Train / test one fold (prepare data/busi first, see the README):
#   python tools/train.py configs/lenet_busi.py
#   python tools/test.py configs/lenet_busi.py \
#       work_dirs/lenet_busi/epoch_100.pth
# 5-fold cross-validation:
#   python tools/crossval.py configs/lenet_busi.py --folds 5 \
#       --work-dir work_dirs/lenet_busi_cv
#
# Same data, folds, 256x256 input, augmentation, batch 12 and schedule as
# the multi-task models: inherited (one level) from the runtime,
# _base_/datasets/busi_cls.py (no mask loaded; packed by mmpretrain's
# PackInputs) and _base_/schedules/adam_100e.py (Adam 1e-4, betas
# (0.9, 0.99), weight decay 5e-4, 100 epochs, lr x 0.1 every 20 epochs).
#
# LeNet-5 was made for 32x32 grey digits: one input channel, and a
# classifier that expects the 1x1x120 map a 32x32 input gives. At 256x256
# the three 5x5 convs (tanh) and two 2x2 average pools give a
# (N, 120, 57, 57) map, each position seeing a 32x32 window; a global
# average pool turns it into the 120-vector LeNet's classifier
# (FC 120 -> 84, tanh, FC 84 -> 2) expects. The colour input is turned
# into one grey channel by the data preprocessor. Trained from scratch
# (there are no ImageNet weights of LeNet).
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/busi_cls.py',
    './_base_/schedules/adam_100e.py',
]

model = dict(
    # Build the classifier, backbone, neck, head and data preprocessor
    # from mmpretrain's registry (the runtime's default scope is mmseg).
    _scope_='mmpretrain',
    # mmpretrain's ImageClassifier, also accepting the SegDataSamples of
    # the segmentation pipelines
    # (mmcosa/models/classifiers/bus_image_classifier.py).
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

val_evaluator = [dict(type='BUSClsMetric', positive_class='benign')]
test_evaluator = val_evaluator
