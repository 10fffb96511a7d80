# The quick-start demo: MTL-COSA (the paper's network) at a smaller scale,
# ResNet-18 from scratch at 128x128 on the built-in phantom, no files or
# downloads. 300 iterations of batch 8, about 5 CPU-minutes: tumour DSC
# about 90 %, malignancy AUC about 0.94 (the README gives the measured run).
_base_ = [
    './_base_/models/mtl_cosa_r101.py',
    './_base_/datasets/phantom.py',
    './_base_/schedules/adam_cosine_300i.py',
    './_base_/default_runtime.py',
]
crop_size = (128, 128)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(depth=18, init_cfg=None),  # from scratch: no download
    decode_head=dict(in_channels=[64, 64, 128, 256, 512]),  # C1..C5
    cls_neck=dict(in_channels=512),
    cls_head=dict(in_channels=512),
)
# Horizontal flips only: the short schedule learns fastest with light
# augmentation (vertical flips would also put shadows above lesions).
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackBUSInputs'),
]
train_dataloader = dict(
    sampler=dict(type='InfiniteSampler'), dataset=dict(pipeline=train_pipeline)
)
custom_hooks = [dict(type='BUSVisualizationHook', num_images=8)]
