# MTL-COSA with a ResNet-18 trained from scratch on the built-in phantom:
# the embedded default demo. No data files, no downloads, no GPU:
# BUSPhantomDataset renders its cases on the fly.
#   python tools/train.py configs/mtl_cosa_r18_phantom.py
#   python tools/test.py configs/mtl_cosa_r18_phantom.py \
#       work_dirs/mtl_cosa_r18_phantom/iter_300.pth
# 300 iterations of batch 8 at 128x128 cost about 300 CPU-seconds (about
# 5 minutes on a 2-core CPU with the start-up and the evaluation); on the
# 100 test cases the model reaches a tumour DSC of about 90 % and a
# malignancy AUC of about 0.94 (the README gives the measured run).
# On a CPU shared with other jobs, OMP_NUM_THREADS=1 avoids thread
# oversubscription.
#
# It is the paper's network (U-ResNet decoder + COSA branch + dropout 0.5,
# losses weighted 0.8 / 0.2) at a smaller scale: ResNet-18 instead of
# ResNet-101, 128x128 instead of 256x256, and a short iteration-based
# schedule with a higher learning rate, as there are no ImageNet weights
# to start from. Everything but the runtime is in this file.
_base_ = ['./_base_/default_runtime.py']

crop_size = (128, 128)
max_iters = 300
batch_size = 8

# ----------------------------------------------------------------- model
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    # ImageNet statistics, as the full-size configs use them.
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size,
)
model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=data_preprocessor,
    # C1..C5 = 64, 64, 128, 256, 512 channels at strides 2..32.
    backbone=dict(
        type='ResNetWithStem', depth=18, norm_cfg=norm_cfg, init_cfg=None
    ),  # from scratch: the demo never downloads
    # U-shaped decoder (SPEC section 2); the task weight alpha = 0.8 is
    # the loss_weight of the segmentation loss.
    decode_head=dict(
        type='UResNetHead',
        in_channels=[64, 64, 128, 256, 512],
        channels=64,
        num_classes=2,
        upsample='bilinear',
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.8
        ),
    ),
    # COSA (SPEC section 3): regions from the argmax of the seg logits,
    # 5x5 dilated Sobel margin, three two-input self-attention blocks on
    # C5, GAP, paper-literal weighted-sum fusion.
    cls_neck=dict(
        type='COSANeck',
        in_channels=512,
        dilation_size=5,
        resize_mode='area',
        fusion='weighted_sum',
    ),
    # Dropout 0.5 + FC(512 -> 2); beta = 0.2 is the loss_weight.
    cls_head=dict(
        type='BUSClsHead',
        in_channels=512,
        num_classes=2,
        dropout_ratio=0.5,
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.2),
    ),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'),
)

# ------------------------------------------------------------------ data
# One pool of 500 phantom cases split into 5 stratified folds: fold 0 (100
# cases) is the test split, the other 400 cases train (disjoint). Rendered
# once at start (cache=True, a few seconds). Only horizontal flips: the
# short schedule learns fastest with light augmentation (vertical flips
# would also put acoustic shadows above lesions).
# _base_/datasets/phantom.py has the paper's full augmentation for longer
# runs.
phantom = dict(
    type='BUSPhantomDataset',
    num_samples=500,
    seed=0,
    img_size=crop_size,
    num_folds=5,
    fold=0,
    cache=True,
)
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackBUSInputs'),
]
test_pipeline = [dict(type='PackBUSInputs')]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(**phantom, split='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**phantom, split='test', pipeline=test_pipeline),
)
test_dataloader = val_dataloader
# Malignant is the positive class here (the clinical convention); the
# BUSI / UDIAT configs follow the paper's tables (benign positive).
val_evaluator = [
    dict(type='BUSSegMetric'),
    dict(type='BUSClsMetric', positive_class='malignant'),
]
test_evaluator = val_evaluator

# -------------------------------------------------------------- schedule
# Adam as in the paper, lr 1e-3 (training from scratch), 20 warm-up
# iterations, cosine decay; one evaluation and one checkpoint at the end.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.99), weight_decay=1e-4),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(
        type='CosineAnnealingLR',
        by_epoch=False,
        begin=20,
        end=max_iters,
        eta_min=1e-5,
    ),
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters
)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
log_processor = dict(by_epoch=False)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=max_iters,
        max_keep_ckpts=1,
    ),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
# Overlays of the first 8 test cases (predicted contour and class, ground
# truth in green): <work_dir>/vis/val_300/ after training,
# <work_dir>/vis/test_*/ after tools/test.py.
custom_hooks = [dict(type='BUSVisualizationHook', num_images=8)]
randomness = dict(seed=0)
