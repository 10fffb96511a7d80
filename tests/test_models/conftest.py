"""Shared fixtures of the model tests: tiny ResNet-18 models and samples."""

import copy
from typing import Callable, List

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmcosa  # noqa: F401  (registers the models)

R18_CHANNELS = [64, 64, 128, 256, 512]

# The CI / dev machines share 2 cores between many processes; OpenMP
# spinning with 2 threads under that load makes small convolutions ~40x
# slower than one thread (measured: ResNet-18 at 64x64, 2.6 s vs 0.06 s).
torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope='session')
def _mmseg_scope() -> None:
    init_default_scope('mmseg')


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same random state (reproducible)."""
    torch.manual_seed(0)


def tiny_model_cfg(cls_neck: str = 'COSANeck', **neck_kwargs) -> dict:
    """MTL model dict on ResNet-18 (C5 = 512) from scratch; ``cls_neck``
    ``None`` gives the single-task U-ResNet."""
    cfg = dict(
        type='MultiTaskEncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
        ),
        backbone=dict(type='ResNetWithStem', depth=18),
        decode_head=dict(
            type='UResNetHead',
            in_channels=R18_CHANNELS,
            channels=64,
            num_classes=2,
            norm_cfg=dict(type='BN'),
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.8),
        ),
        test_cfg=dict(mode='whole'),
    )
    if cls_neck is not None:
        cfg['cls_neck'] = dict(type=cls_neck, in_channels=512, **neck_kwargs)
        if cls_neck == 'GAPNeck':
            cfg['cls_neck'].pop('in_channels')
        cfg['cls_head'] = dict(
            type='BUSClsHead',
            in_channels=512,
            num_classes=2,
            dropout_ratio=0.5,
            loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.2),
        )
    return cfg


@pytest.fixture
def build_tiny() -> Callable:
    """Build a tiny model: ``build_tiny('COSANeck', fusion='conv')``."""

    def build(cls_neck='COSANeck', **neck_kwargs):
        torch.manual_seed(0)
        return MODELS.build(
            copy.deepcopy(tiny_model_cfg(cls_neck, **neck_kwargs))
        )

    return build


def make_samples(n: int, h: int, w: int, seed: int = 0) -> List[SegDataSample]:
    """``n`` samples with a random square tumour and labels 0, 1, 0, ..."""
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for i in range(n):
        mask = torch.zeros(1, h, w, dtype=torch.long)
        top = int(torch.randint(0, h // 2, (1,), generator=gen))
        left = int(torch.randint(0, w // 2, (1,), generator=gen))
        mask[:, top : top + h // 3, left : left + w // 3] = 1
        sample = SegDataSample(gt_sem_seg=PixelData(data=mask))
        sample.gt_label = torch.tensor([i % 2])
        sample.set_metainfo(
            dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))
        )
        samples.append(sample)
    return samples


@pytest.fixture
def samples() -> Callable:
    """The :func:`make_samples` factory."""
    return make_samples
