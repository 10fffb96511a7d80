# BUSI (Al-Dhabyani et al. 2020), benign + malignant, prepared by
#   python tools/dataset_converters/busi.py RAW data/busi
# 5-fold cross-validation: the runner sets `fold` on every dataset below;
# each fold tests on splits/fold_<k>_test.txt and trains on the rest.
# The paper's settings: 256x256 bilinear resize, batch 12, augmentation =
# rotation +-5 deg, horizontal and vertical flips, Gaussian and median
# blur (RMTL). UDIAT (./udiat.py) differs only in data_root and source.
dataset_type = 'BUSDataset'
data_root = 'data/busi'
fold = 0
img_scale = (256, 256)  # (w, h)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='Resize',
        scale=img_scale,
        keep_ratio=False,
        interpolation='bilinear',
    ),
    # Rotated-in corners are black image and background mask.
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
    dict(type='PackBUSInputs'),
]
# Ground truth is loaded after the resize, so metrics are computed on the
# original image size (predictions are resized back).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=img_scale,
        keep_ratio=False,
        interpolation='bilinear',
    ),
    dict(type='LoadAnnotations'),
    dict(type='PackBUSInputs'),
]
# Test-time augmentation (tools/test.py --tta): identity and flips.
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(
                    type='Resize',
                    scale=img_scale,
                    keep_ratio=False,
                    interpolation='bilinear',
                )
            ],
            [
                dict(type='RandomFlip', prob=0.0, direction='horizontal'),
                dict(type='RandomFlip', prob=1.0, direction='horizontal'),
            ],
            [dict(type='LoadAnnotations')],
            [dict(type='PackBUSInputs')],
        ],
    ),
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
