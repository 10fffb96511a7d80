# The embedded phantom (mmcosa.datasets.phantom): benign / malignant
# breast-ultrasound cases rendered on the fly, no files and no downloads.
# One pool of `num_samples` cases is split into `num_folds` folds stratified
# by label; the cross-validation runner sets `fold` on every dataset below
# (test = fold k, train = the other folds).
# The dataset hands the pipeline an already loaded sample (img, gt_seg_map,
# gt_label, ...), so the pipelines start after loading: no
# LoadImageFromFile / LoadAnnotations. Sizes suit a fast CPU demo
# (128x128, ~6 ms a case to render, rendered once with cache=True); the
# paper uses 256x256 and batch 12.
dataset_type = 'BUSPhantomDataset'
fold = 0
img_size = (128, 128)  # (h, w)
phantom = dict(
    type=dataset_type,
    num_samples=500,
    seed=0,
    img_size=img_size,
    num_folds=5,
    fold=fold,
    malignant_ratio=0.5,
    cache=True,
)

# The paper's augmentation (RMTL): rotation +-5 deg,
# horizontal and vertical flips, Gaussian and median blur.
train_pipeline = [
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
# The same plus ultrasound-specific augmentation (usaugment): depth
# attenuation, acoustic shadow, haze, speckle smoothing. Use it with
#   train_dataloader = dict(dataset=dict(pipeline=us_train_pipeline))
us_train_pipeline = train_pipeline[:-1] + [
    dict(
        type='UltrasoundAugment',
        augmentations=[
            'DepthAttenuation',
            'GaussianShadow',
            'HazeArtifact',
            'SpeckleReduction',
        ],
        prob=0.25,
    ),
    dict(type='PackBUSInputs'),
]
test_pipeline = [dict(type='PackBUSInputs')]
# Test-time augmentation (tools/test.py --tta): identity and a flip.
tta_pipeline = [
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='RandomFlip', prob=0.0, direction='horizontal'),
                dict(type='RandomFlip', prob=1.0, direction='horizontal'),
            ],
            [dict(type='PackBUSInputs')],
        ],
    ),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,  # cached cases: workers would only add overhead
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**phantom, split='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    train_dataloader,
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
