"""Tiny cross-validation jobs on prepared phantom BUSI / UDIAT folders.

The folders are written by the phantom raw writers and the real
converters (``images/``, ``masks/``, ``labels.csv``, ``splits/``,
``meta.json``), with 2 folds and 48-64 px images; the model is the tiny
ResNet-18 MTL-COSA of ``tests/test_apis/tiny_mtl.py`` at 64x64, trained
for one iteration.
"""

import os.path as osp
from pathlib import Path
from typing import Dict, Optional

from ..test_apis.tiny_mtl import REPO

SIZES = ((48, 64), (56, 72))

TINY_BUS_MTL = """
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
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=size, keep_ratio=False),
    dict(type='PackBUSInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=size, keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackBUSInputs'),
]
busi_test = dict(type='BUSDataset', data_root={busi!r}, fold=0,
                 split='test', pipeline=test_pipeline, serialize_data=False)
test_loader = dict(batch_size=4, num_workers=0,
                   sampler=dict(type='DefaultSampler', shuffle=False))
{data}
val_evaluator = [dict(type='BUSSegMetric'), dict(type='BUSClsMetric')]
test_evaluator = val_evaluator
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
log_processor = dict(by_epoch=False)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1,
                    max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'))
"""

ONE_DATA_SET = """
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(busi_test, split='train', pipeline=train_pipeline))
val_dataloader = dict(test_loader, dataset=busi_test)
test_dataloader = val_dataloader
"""

# The layout of configs/_base_/datasets/busi_udiat.py.
JOINT = """
udiat_test = dict(busi_test, data_root={udiat!r})
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ConcatDataset', datasets=[
        dict(busi_test, split='train', pipeline=train_pipeline),
        dict(udiat_test, split='train', pipeline=train_pipeline)]))
val_dataloader = dict(
    test_loader,
    dataset=dict(type='ConcatDataset', datasets=[busi_test, udiat_test]))
test_dataloader = val_dataloader
test_dataloaders = dict(
    busi=dict(test_loader, dataset=busi_test),
    udiat=dict(test_loader, dataset=udiat_test))
"""


def write_prepared_pair(root: str) -> Dict[str, str]:
    """Prepared phantom BUSI (13 images) and UDIAT (8) folders, 2 folds.

    Returns:
        dict: ``busi`` and ``udiat`` folder paths.
    """
    from mmcosa.datasets.converters import convert_busi, convert_udiat
    from mmcosa.datasets.phantom.raw import make_phantom_raw

    out = {}
    for layout, num, convert in (
        ('busi', 12, convert_busi),
        ('udiat', 8, convert_udiat),
    ):
        raw = osp.join(root, f'raw_{layout}')
        make_phantom_raw(raw, layout, num=num, seed=1, size_range=SIZES)
        out[layout] = osp.join(root, layout)
        convert(Path(raw), Path(out[layout]), num_folds=2, progress=False)
    return out


def write_tiny_bus_config(
    path: str, busi: str, udiat: Optional[str] = None
) -> str:
    """The tiny MTL-COSA on ``busi`` (or on BUSI + UDIAT jointly, with a
    named test loader per data set, when ``udiat`` is given)."""
    runtime = osp.join(REPO, 'configs', '_base_', 'default_runtime.py')
    data = ONE_DATA_SET if udiat is None else JOINT.format(udiat=udiat)
    with open(path, 'w') as f:
        f.write(TINY_BUS_MTL.format(runtime=runtime, busi=busi, data=data))
    return path


def read_split(data_root: str, fold: int, split: str) -> list:
    """The names listed in ``splits/fold_<fold>_<split>.txt``."""
    path = osp.join(data_root, 'splits', f'fold_{fold}_{split}.txt')
    with open(path) as f:
        return f.read().split()
