"""Seeds of the shipped configs, and the joint BUSI + UDIAT config."""

import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmcosa  # noqa: F401
from mmcosa.apis import fold_config
from mmcosa.apis.crossval_record import config_differences
from mmcosa.apis.crossval_sets import internal_test_sets

from ..tiny_job import write_tiny_config, write_tiny_data

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', '*.py')))
JOINT = osp.join(REPO, 'configs', 'mtl_cosa_r101_busi_udiat.py')


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_every_config_sets_a_seed(path):
    cfg = Config.fromfile(path)
    assert isinstance(cfg.randomness.seed, int)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_record_round_trip(path):
    """The merged text a cross-validation records reads back as the same
    config, so a rerun of the same command is never taken for another."""
    cfg = Config.fromfile(path)
    cfg.merge_from_dict({'train_dataloader.batch_size': 3})
    copy = Config.fromstring(cfg.pretty_text, '.py')
    assert config_differences(copy, cfg) == []
    cfg.merge_from_dict({'train_dataloader.batch_size': 4})
    assert config_differences(copy, cfg) == [
        'train_dataloader.batch_size: 3 -> 4'
    ]


def test_runtime_seed_makes_runs_repeat(tmp_path):
    """A config that names no seed gets the runtime's: two runners start
    from the same weights (without it every run differed)."""
    data = str(tmp_path / 'data')
    write_tiny_data(data, num=2)
    path = write_tiny_config(str(tmp_path / 'tiny.py'), data)
    with open(path) as f:
        text = f.read()
    with open(path, 'w') as f:
        f.write(text.replace('randomness = dict(seed=0)', ''))
    cfg = Config.fromfile(path)
    assert cfg.randomness == dict(seed=0)
    weights = []
    for run in range(2):
        cfg.work_dir = str(tmp_path / f'run{run}')
        cfg.experiment_name = cfg.visualizer.name = f'seed_{run}'
        runner = Runner.from_cfg(cfg)
        weights.append(runner.model.backbone.encoder[0][0].convs[0].conv)
    assert torch.equal(weights[0].weight, weights[1].weight)


def test_joint_config_trains_on_both_and_tests_each(tmp_path):
    cfg = Config.fromfile(JOINT)
    # RMTL's protocol: alpha 0.9 / beta 0.1, the paper's schedule.
    assert cfg.model.decode_head.loss_decode.loss_weight == 0.9
    assert cfg.model.cls_head.loss_cls.loss_weight == 0.1
    assert cfg.model.cls_neck.type == 'COSANeck'
    assert cfg.train_cfg.max_epochs == 100
    assert cfg.train_dataloader.batch_size == 12
    fcfg = fold_config(cfg, 3, 5, str(tmp_path))
    train = fcfg.train_dataloader.dataset
    assert train.type == 'ConcatDataset'
    assert [
        (d.data_root, d.split, d.fold, d.num_folds) for d in train.datasets
    ] == [
        ('data/busi', 'train', 3, 5),
        ('data/udiat', 'train', 3, 5),
    ]
    sets = internal_test_sets(cfg)
    assert [(s.name, s.data_root) for s in sets] == [
        ('busi', 'data/busi'),
        ('udiat', 'data/udiat'),
    ]
    for test_set in sets:
        ds = test_set.fold_loader(3, 5)['dataset']
        assert (ds['split'], ds['fold']) == ('test', 3)
        assert [t['type'] for t in ds['pipeline']] == [
            'LoadImageFromFile',
            'Resize',
            'LoadAnnotations',
            'PackBUSInputs',
        ]
    pooled = fcfg.test_dataloader.dataset.datasets
    assert [d.data_root for d in pooled] == ['data/busi', 'data/udiat']


def test_joint_config_datasets_build(tiny_bus_root):
    from mmseg.registry import DATASETS

    DefaultScope.get_instance('test_crossval_configs', scope_name='mmseg')
    cfg = Config.fromfile(JOINT)
    train = cfg.train_dataloader.dataset
    for sub in train.datasets:
        sub.update(data_root=tiny_bus_root, serialize_data=False)
    dataset = DATASETS.build(train)
    assert len(dataset) == 8  # 4 training images of each (same) folder
    assert tuple(dataset[0]['inputs'].shape) == (3, 256, 256)
