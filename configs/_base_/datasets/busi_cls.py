# BUSI for the single-task mmpretrain classifiers (the paper's ResNet-101,
# VGG-16 and LeNet baselines): the prepared folder, folds, 256x256 bilinear
# resize, batch and augmentation of ./busi.py, but no mask is loaded and
# samples are packed by mmpretrain's PackInputs (image + gt_label). It does
# not inherit ./busi.py: a classifier must not get its segmentation
# test-time augmentation (tta_pipeline) or visualization hook, and a config
# cannot drop a key it inherits. UDIAT: ./udiat_cls.py.
dataset_type = 'BUSDataset'
data_root = 'data/busi'
fold = 0
img_scale = (256, 256)  # (w, h)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=img_scale,
        keep_ratio=False,
        interpolation='bilinear',
    ),
    dict(type='RandomRotate', prob=0.5, degree=5, pad_val=0, seg_pad_val=0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(
        type='RandomGaussianBlur',
        prob=0.5,
        kernel_size=(3, 7),
        sigma=(0.1, 2.0),
    ),
    dict(type='RandomMedianBlur', prob=0.5, kernel_size=(3, 5)),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=img_scale,
        keep_ratio=False,
        interpolation='bilinear',
    ),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(
    batch_size=12,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        source='BUSI',  # meta.json of another data set is refused
        fold=fold,
        split='train',
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    train_dataloader,
    batch_size=1,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'], split='test', pipeline=test_pipeline
    ),
)
test_dataloader = val_dataloader
# Benign is the positive class, as in the paper's tables.
val_evaluator = [dict(type='BUSClsMetric', positive_class='benign')]
test_evaluator = val_evaluator
