"""Parameter counts of the paper's models (ResNet-101) against RMTL's."""

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmseg.registry import MODELS

RMTL_URESNET = 93_500_842
RMTL_COSA_OVER_MTL = 15_736_326


def build(name, **neck):
    cfg = Config.fromfile(f'configs/_base_/models/{name}.py').model
    cfg.backbone.init_cfg = None
    if neck:
        cfg.cls_neck.update(neck)
    return MODELS.build(cfg)


def count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@pytest.fixture(scope='module')
def counts():
    values = dict(
        uresnet=count(build('uresnet_r101')),
        mtl=count(build('mtl_r101')),
        mtl_sa=count(build('mtl_sa_r101')),
        mtl_cosa=count(build('mtl_cosa_r101')),
        mtl_cosa_conv=count(build('mtl_cosa_r101', fusion='conv')),
    )
    for name, value in values.items():
        print_log(f'{name:14s} {value:>12,d} parameters', logger='current')
    return values


def test_uresnet_within_2_percent_of_rmtl(counts):
    assert abs(counts['uresnet'] - RMTL_URESNET) / RMTL_URESNET < 0.02


def test_mtl_adds_exactly_the_fc(counts):
    assert counts['mtl'] - counts['uresnet'] == 2048 * 2 + 2


def test_cosa_with_rmtl_fusion_within_1_percent(counts):
    added = counts['mtl_cosa_conv'] - counts['mtl']
    assert abs(added - RMTL_COSA_OVER_MTL) / RMTL_COSA_OVER_MTL < 0.01


def test_paper_fusion_and_sa_add_their_attention(counts):
    attention = 2 * (2048 * 256 + 256) + 1
    assert counts['mtl_sa'] - counts['mtl'] == attention
    assert counts['mtl_cosa'] - counts['mtl'] == 3 * attention + 4


def test_r101_cosa_forward_at_256():
    model = build('mtl_cosa_r101').eval()
    grids = []  # the C5 grid COSA resizes its regions to
    model.cls_neck.register_forward_pre_hook(
        lambda neck, args: grids.append(tuple(args[0].shape))
    )
    with torch.no_grad():
        seg_logits, cls_logits = model(
            torch.randn(1, 3, 256, 256), mode='tensor'
        )
    assert seg_logits.shape == (1, 2, 256, 256)
    assert cls_logits.shape == (1, 2)
    assert grids == [(1, 2048, 8, 8)]
