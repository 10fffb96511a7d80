"""A tiny MTL-COSA job on the phantom, for the apis / tools tests.

ResNet-18 MTL-COSA at 64x64 on a pool of a few phantom cases, one training
iteration: the smallest real mmcosa model, built and trained in seconds.
"""

import os.path as osp

from mmengine.runner import save_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TINY_MTL = """
_base_ = [{runtime!r}]
size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='MultiTaskEncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
        seg_pad_val=255, size=size),
    backbone=dict(type='ResNetWithStem', depth=18, norm_cfg=norm_cfg,
                  init_cfg=None),
    decode_head=dict(
        type='UResNetHead', in_channels=[64, 64, 128, 256, 512],
        channels=16, num_classes=2, upsample='bilinear', norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.8)),
    cls_neck=dict(type='COSANeck', in_channels=512),
    cls_head=dict(type='BUSClsHead', in_channels=512, num_classes=2,
                  dropout_ratio=0.5,
                  loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.2)),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
phantom = dict(type='BUSPhantomDataset', num_samples={num_samples},
               seed=0, img_size=size, num_folds=5, fold=0)
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(**phantom, split='train',
                 pipeline=[dict(type='PackBUSInputs')]))
val_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**phantom, split='test',
                 pipeline=[dict(type='PackBUSInputs')]))
test_dataloader = val_dataloader
val_evaluator = [dict(type='BUSSegMetric'), dict(type='BUSClsMetric')]
test_evaluator = val_evaluator
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters},
                 val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
log_processor = dict(by_epoch=False)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval={max_iters}, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = [dict(type='BUSVisualizationHook', num_images=2)]
randomness = dict(seed=0)
"""


def write_tiny_mtl_config(
    path: str, max_iters: int = 1, num_samples: int = 10
) -> str:
    """Write the tiny MTL-COSA config to ``path`` and return it."""
    runtime = osp.join(REPO, 'configs', '_base_', 'default_runtime.py')
    with open(path, 'w') as f:
        f.write(
            TINY_MTL.format(
                runtime=runtime, max_iters=max_iters, num_samples=num_samples
            )
        )
    return path


def save_random_checkpoint(config: str, path: str) -> str:
    """Save the untrained tiny model as a checkpoint with dataset meta."""
    from mmcosa.apis import init_model

    model = init_model(config, None)
    meta = dict(
        dataset_meta=dict(
            classes=('background', 'tumour'),
            palette=[[0, 0, 0], [255, 0, 0]],
            cls_classes=('benign', 'malignant'),
        )
    )
    save_checkpoint(dict(state_dict=model.state_dict(), meta=meta), path)
    return path
