"""BUSDataset on converted phantom folders: content, splits, errors,
the shipped dataset configs and one training iteration each for an mmseg
segmentor and an mmpretrain classifier."""

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import DATASETS, MODELS
from PIL import Image

from mmcosa.datasets import BUSDataset, convert_busi

CONFIGS = Path(__file__).parents[2] / 'configs' / '_base_' / 'datasets'
LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def labels_of(root):
    with open(root / 'labels.csv', newline='') as f:
        return {r['filename']: int(r['label']) for r in csv.DictReader(f)}


@pytest.mark.parametrize('which', ['busi_prepared', 'udiat_prepared'])
def test_samples_match_files(which, request):
    root, _, _ = request.getfixturevalue(which)
    labels = labels_of(root)
    ds = BUSDataset(data_root=str(root), split='all', pipeline=LOAD)
    assert len(ds) == len(labels)
    assert ds.metainfo['classes'] == ('background', 'tumour')
    assert ds.metainfo['cls_classes'] == ('benign', 'malignant')
    for idx in (0, len(ds) - 1):
        out = ds[idx]
        name = Path(out['img_path']).name
        img = np.asarray(Image.open(root / 'images' / name))
        grey = img if img.ndim == 2 else img[..., 0]
        np.testing.assert_array_equal(out['img'][..., 0], grey)
        mask = np.asarray(Image.open(root / 'masks' / name))
        np.testing.assert_array_equal(out['gt_seg_map'], mask)
        assert set(np.unique(out['gt_seg_map'])) <= {0, 1}
        assert out['gt_seg_map'].any()
        assert out['gt_label'] == labels[name]


def test_splits(busi_prepared):
    root = busi_prepared[0]
    for k in range(5):
        test = BUSDataset(
            data_root=str(root), fold=k, split='test', serialize_data=False
        )
        train = BUSDataset(
            data_root=root, fold=k, split='train', serialize_data=False
        )
        names = {Path(d['img_path']).name for d in test.load_data_list()}
        expect = set(
            (root / 'splits' / f'fold_{k}_test.txt').read_text().split()
        )
        assert names == expect
        assert len(test) + len(train) == 31
        info = train.get_data_info(0)
        assert isinstance(info['gt_label'], int)
        assert info['seg_map_path'].startswith(str(root / 'masks'))


def test_keep_normal(busi_raw, tmp_path):
    out = tmp_path / 'o'
    convert_busi(
        busi_raw[0], out, keep_normal=True, num_folds=3, progress=False
    )
    without = BUSDataset(data_root=str(out))
    with_normal = BUSDataset(data_root=str(out), keep_normal=True)
    assert len(with_normal) - len(without) == 3
    assert with_normal.metainfo['cls_classes'] == (
        'benign',
        'malignant',
        'normal',
    )
    assert sorted({d['gt_label'] for d in with_normal.load_data_list()}) == [
        0,
        1,
        2,
    ]


def test_errors(busi_prepared, tmp_path):
    root = busi_prepared[0]
    with pytest.raises(ValueError, match="split must be one of .* 'val'"):
        BUSDataset(data_root=str(root), split='val')
    with pytest.raises(ValueError, match='fold must be an int >= 0'):
        BUSDataset(data_root=str(root), fold=-1)
    with pytest.raises(TypeError, match='keep_normal must be a bool'):
        BUSDataset(data_root=str(root), keep_normal='yes')
    with pytest.raises(TypeError, match='data_root must be a folder path'):
        BUSDataset(data_root=None)
    with pytest.raises(
        FileNotFoundError,
        match='nope: prepared data folder not found; create it with',
    ):
        BUSDataset(data_root=str(tmp_path / 'nope'))
    with pytest.raises(
        ValueError, match=r'fold must be in 0..4 for .* \(5 folds\), got 7'
    ):
        BUSDataset(data_root=str(root), fold=7, split='test')
    with pytest.raises(
        ValueError, match='num_folds=3 but .* was prepared with 5 folds'
    ):
        BUSDataset(data_root=str(root), num_folds=3)
    with pytest.raises(ValueError, match='num_folds must be an int >= 2'):
        BUSDataset(data_root=str(root), num_folds=1)
    ds = BUSDataset(
        data_root=str(root), fold=np.int64(4), num_folds=5, split='test'
    )
    assert ds.fold == 4 and ds.num_folds == 5
    broken = tmp_path / 'broken'
    shutil.copytree(root, broken)
    with open(broken / 'splits' / 'fold_0_test.txt', 'a') as f:
        f.write('stranger.png\n')
    with pytest.raises(ValueError, match='first: stranger.png'):
        BUSDataset(data_root=str(broken), split='test')
    (broken / 'meta.json').unlink()
    (broken / 'splits' / 'fold_4_test.txt').unlink()
    with pytest.raises(
        FileNotFoundError,
        match='fold_4_test.txt: split file for fold 4 not found; the '
        'splits/ folder is incomplete',
    ):
        BUSDataset(data_root=str(broken), fold=4, split='test')
    (broken / 'labels.csv').unlink()
    with pytest.raises(
        FileNotFoundError, match='labels.csv: not found; .* is not a prepared'
    ):
        BUSDataset(data_root=str(broken))


def dataset_cfg(name, root, split='train'):
    cfg = Config.fromfile(str(CONFIGS / name))
    loader = cfg.train_dataloader if split == 'train' else cfg.val_dataloader
    assert loader.dataset.type == 'BUSDataset'
    loader.dataset.data_root = str(root)
    return cfg, loader


@pytest.mark.parametrize(
    'name, prepared',
    [('busi.py', 'busi_prepared'), ('udiat.py', 'udiat_prepared')],
)
def test_seg_configs(name, prepared, request):
    root = request.getfixturevalue(prepared)[0]
    cfg, loader = dataset_cfg(name, root)
    assert loader.batch_size == 12
    assert cfg.val_evaluator == [
        dict(type='BUSSegMetric'),
        dict(type='BUSClsMetric', positive_class='benign'),
    ]
    labels = labels_of(root)
    ds = DATASETS.build(loader.dataset)
    packed = ds[0]
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 256, 256)
    assert set(sample.gt_sem_seg.data.unique().tolist()) <= {0, 1}
    name0 = Path(sample.img_path).name
    assert sample.gt_label.tolist() == [labels[name0]]
    _, val = dataset_cfg(name, root, split='test')
    sample = DATASETS.build(val.dataset)[0]['data_samples']
    # ground truth stays at the original size for the metrics
    width, height = Image.open(sample.img_path).size
    assert sample.gt_sem_seg.data.shape == (1, height, width) != (1, 256, 256)


@pytest.mark.parametrize(
    'name, prepared',
    [('busi_cls.py', 'busi_prepared'), ('udiat_cls.py', 'udiat_prepared')],
)
def test_cls_configs(name, prepared, request):
    root = request.getfixturevalue(prepared)[0]
    cfg, loader = dataset_cfg(name, root)
    assert cfg.val_evaluator == [
        dict(type='BUSClsMetric', positive_class='benign')
    ]
    packed = DATASETS.build(loader.dataset)[0]
    sample = packed['data_samples']
    assert type(sample).__name__ == 'DataSample'  # mmpretrain's
    assert packed['inputs'].shape == (3, 256, 256)
    assert sample.gt_label.tolist() == [
        labels_of(root)[Path(sample.img_path).name]
    ]


def one_iteration(model, loader_cfg):
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = [p.detach().clone() for p in model.parameters()]
    losses = model.train_step(batch, optim)
    assert all(torch.isfinite(v).all() for v in losses.values())
    changed = sum(
        not torch.equal(a, p.detach())
        for a, p in zip(before, model.parameters())
    )
    assert changed > 0
    return losses


def test_train_iteration_segmentor(phantom_busi):
    # the BUSI-layout phantom of make_phantom_raw, converted
    _, loader = dataset_cfg('busi.py', phantom_busi[1])
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                size=(256, 256),
                mean=[0.0] * 3,
                std=[255.0] * 3,
            ),
            backbone=dict(
                type='ResNet', depth=18, stem_channels=8, base_channels=8
            ),
            decode_head=dict(
                type='FCNHead',
                in_channels=64,
                in_index=3,
                channels=8,
                num_convs=1,
                num_classes=2,
                loss_decode=dict(type='CrossEntropyLoss'),
            ),
        )
    )
    losses = one_iteration(model, loader)
    assert 'decode.loss_ce' in losses


def test_train_iteration_mmpretrain_classifier(phantom_udiat):
    # the UDIAT-layout phantom of make_phantom_raw, converted
    _, loader = dataset_cfg('udiat_cls.py', phantom_udiat[1])
    model = MODELS.build(
        dict(
            type='mmpretrain.ImageClassifier',
            data_preprocessor=dict(
                type='mmpretrain.ClsDataPreprocessor',
                mean=[0.0] * 3,
                std=[255.0] * 3,
            ),
            backbone=dict(
                type='mmpretrain.ResNet',
                depth=18,
                stem_channels=8,
                base_channels=8,
            ),
            neck=dict(type='mmpretrain.GlobalAveragePooling'),
            head=dict(
                type='mmpretrain.LinearClsHead', num_classes=2, in_channels=64
            ),
        )
    )
    losses = one_iteration(model, loader)
    assert 'loss' in losses
