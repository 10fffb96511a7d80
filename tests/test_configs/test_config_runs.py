"""A 2-iteration train + test of a tiny variant of each config family.

The tiny variant keeps a config's own model type, heads, data set class,
pipelines, evaluators and schedule, and only shrinks what costs time:
ResNet-18 (VGG-11) instead of ResNet-101 (VGG-16), no pretrained weights,
32x32 inputs, batch 2, a 6-image prepared folder (4 train, 2 test) or a
10-case phantom, one epoch (= 2 iterations).
"""

import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmcosa  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = (32, 32)
R18_CHANNELS = [64, 64, 128, 256, 512]

SEG_KEYS = {'seg/TPR', 'seg/FPR', 'seg/DSC', 'seg/AER', 'seg/IoU', 'seg/mIoU'}
CLS_KEYS = {'cls/TPR', 'cls/FPR', 'cls/ACC', 'cls/PRE', 'cls/F1', 'cls/AUC'}


def _shrink_model(model: dict) -> None:
    """ResNet-18 / VGG-11, no pretrained weights, small heads."""
    backbone = model['backbone']
    if 'init_cfg' in backbone:
        backbone['init_cfg'] = None
    if backbone['type'] == 'ResNetWithStem':
        backbone['depth'] = 18
        model['decode_head']['in_channels'] = R18_CHANNELS
        if 'cls_neck' in model and model['cls_neck']['type'] != 'GAPNeck':
            model['cls_neck']['in_channels'] = 512
        if 'cls_head' in model:
            model['cls_head']['in_channels'] = 512
        model['data_preprocessor']['size'] = TINY
    elif backbone['type'] == 'ResNet':
        backbone['depth'] = 18
        model['head']['in_channels'] = 512
    elif backbone['type'] == 'VGG':
        backbone['depth'] = 11
        model['head']['mid_channels'] = [32, 32]


def _shrink_pipeline(pipeline: list) -> None:
    for step in pipeline:
        if step['type'] == 'Resize':
            step['scale'] = TINY
        for sub in step.get('transforms', []):
            _shrink_pipeline(sub)


def tiny_variant(name: str, data_root: str, work_dir: str) -> Config:
    """The config ``configs/<name>`` shrunk for a seconds-long run.

    Args:
        name (str): Config file name under ``configs/``.
        data_root (str): A prepared BUS folder for the BUSDataset configs.
        work_dir (str): Where the checkpoint and logs go.

    Returns:
        Config: Ready for ``Runner.from_cfg``.
    """
    cfg = Config.fromfile(osp.join(REPO, 'configs', name))
    _shrink_model(cfg.model)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        dataset = loader.dataset
        dataset.serialize_data = False  # skips a 2 s gc.collect()
        if dataset.type == 'BUSDataset':
            dataset.data_root = data_root
            _shrink_pipeline(dataset.pipeline)
        else:  # the phantom: 8 training cases, 2 test cases
            dataset.update(num_samples=10, img_size=TINY, cache=False)
    if cfg.train_cfg.type == 'EpochBasedTrainLoop':
        cfg.train_cfg.update(max_epochs=1, val_interval=1)
    else:
        cfg.train_dataloader.batch_size = 4
        cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = work_dir
    cfg.experiment_name = f'tiny_{name[:-3]}'
    cfg.visualizer.name = f'tiny_{name[:-3]}'
    cfg.randomness = dict(seed=0)
    return cfg


@pytest.mark.parametrize(
    'name, keys, ckpt',
    [
        ('mtl_cosa_r101_busi.py', SEG_KEYS | CLS_KEYS, 'epoch_1.pth'),
        ('mtl_r101_udiat.py', SEG_KEYS | CLS_KEYS, 'epoch_1.pth'),
        ('mtl_sa_r101_busi.py', SEG_KEYS | CLS_KEYS, 'epoch_1.pth'),
        ('uresnet_r101_busi.py', SEG_KEYS, 'epoch_1.pth'),
        ('resnet101_busi.py', CLS_KEYS, 'epoch_1.pth'),
        ('vgg16_udiat.py', CLS_KEYS, 'epoch_1.pth'),
        ('lenet_busi.py', CLS_KEYS, 'epoch_1.pth'),
        ('mtl_cosa_r18_phantom.py', SEG_KEYS | CLS_KEYS, 'iter_2.pth'),
    ],
)
def test_tiny_train_and_test(name, keys, ckpt, tiny_bus_root, tmp_path):
    cfg = tiny_variant(name, tiny_bus_root, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    assert osp.isfile(osp.join(str(tmp_path), ckpt))
    metrics = runner.test()
    assert keys <= set(metrics)
    if 'seg/DSC' not in keys:
        assert not any(k.startswith('seg/') for k in metrics)
    if 'cls/AUC' not in keys:
        assert not any(k.startswith('cls/') for k in metrics)
    for key in keys - {'cls/AUC'}:
        assert 0.0 <= metrics[key] <= 100.0 or key in ('seg/FPR', 'seg/AER')
    if 'cls/AUC' in keys:
        assert 0.0 <= metrics['cls/AUC'] <= 1.0
        assert metrics['cls/num_samples'] == 2
