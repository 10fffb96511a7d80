"""Every config under configs/ builds, with the paper's settings."""

import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

import mmcosa  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(REPO, 'configs', '*.py'))
)

#: Trainable parameters of each family at full size (2 classes). UResNet
#: is within 2 % of RMTL's 93,500,842; MTL adds FC(2048 -> 2) = 4,098;
#: MTL-SA adds one query/key attention (1,049,089); MTL-COSA three of them
#: plus the 4-parameter weighted-sum fusion (3,147,271).
PARAMS = {
    'uresnet_r101': 92_242_370,
    'mtl_r101': 92_242_370 + 4_098,
    'mtl_sa_r101': 92_242_370 + 4_098 + 1_049_089,
    'mtl_cosa_r101': 92_242_370 + 4_098 + 3_147_271,
    'resnet101': 42_500_160 + 4_098,
    'vgg16': 14_714_688 + 2_101_248 + 16_781_312 + 8_194,
    'lenet': 50_692 + 10_164 + 170,
    'mtl_cosa_r18_phantom': 14_552_139,
    'mtl_cosa_r101_busi_udiat': 92_242_370 + 4_098 + 3_147_271,
}
MODEL_TYPES = {
    'uresnet_r101': 'EncoderDecoder',
    'mtl_r101': 'MultiTaskEncoderDecoder',
    'mtl_sa_r101': 'MultiTaskEncoderDecoder',
    'mtl_cosa_r101': 'MultiTaskEncoderDecoder',
    'resnet101': 'BUSImageClassifier',
    'vgg16': 'BUSImageClassifier',
    'lenet': 'BUSImageClassifier',
    'mtl_cosa_r18_phantom': 'MultiTaskEncoderDecoder',
    'mtl_cosa_r101_busi_udiat': 'MultiTaskEncoderDecoder',
}
CLS_NECKS = {
    'mtl_r101': 'GAPNeck',
    'mtl_sa_r101': 'SANeck',
    'mtl_cosa_r101': 'COSANeck',
}


def family(name: str) -> str:
    """``mtl_cosa_r101_busi.py`` -> ``mtl_cosa_r101``."""
    stem = name[:-3]
    if stem.endswith('_busi_udiat'):  # joint training: its own settings
        return stem
    for suffix in ('_busi', '_udiat'):
        if stem.endswith(suffix):
            return stem[: -len(suffix)]
    return stem


def load(name: str) -> Config:
    return Config.fromfile(osp.join(REPO, 'configs', name))


def build_model(cfg: Config) -> torch.nn.Module:
    """Build ``cfg.model``; mmseg models on the meta device (no memory,
    no random init of 95M parameters), mmpretrain ones for real (their
    constructors read tensor values)."""
    DefaultScope.get_instance('test_config_build', scope_name='mmseg')
    if cfg.model.get('_scope_') == 'mmpretrain':
        return MODELS.build(cfg.model)
    with torch.device('meta'):
        return MODELS.build(cfg.model)


def test_one_config_per_table_row():
    expected = {
        f'{method}_{data}.py'
        for method in (
            'mtl_cosa_r101',
            'mtl_r101',
            'mtl_sa_r101',
            'uresnet_r101',
            'resnet101',
            'vgg16',
            'lenet',
        )
        for data in ('busi', 'udiat')
    } | {'mtl_cosa_r18_phantom.py', 'mtl_cosa_r101_busi_udiat.py'}
    assert set(CONFIGS) == expected


@pytest.mark.parametrize('name', CONFIGS)
def test_model_builds_with_expected_size(name):
    cfg = load(name)
    fam = family(name)
    model = build_model(cfg)
    assert type(model).__name__ == MODEL_TYPES[fam]
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert n_params == PARAMS[fam]
    if fam in CLS_NECKS:
        assert type(model.cls_neck).__name__ == CLS_NECKS[fam]
        assert model.decode_head.loss_decode.loss_weight == 0.8
        assert model.cls_head.loss_cls.loss_weight == 0.2
    if fam == 'mtl_cosa_r101':
        assert model.cls_head.dropout.p == 0.5
        assert model.cls_neck.fusion == 'weighted_sum'


# The joint BUSI + UDIAT config: tests/test_configs/test_crossval_configs.py
ONE_DATA_SET = [n for n in CONFIGS if 'phantom' not in n and '_busi_' not in n]


@pytest.mark.parametrize('name', ONE_DATA_SET)
def test_paper_settings(name):
    cfg = load(name)
    data = 'busi' if name.endswith('_busi.py') else 'udiat'
    # Adam 1e-4, betas (0.9, 0.99), wd 5e-4; 100 epochs, lr x 0.1 / 20.
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, tuple(opt.betas), opt.weight_decay) == (
        'Adam',
        1e-4,
        (0.9, 0.99),
        5e-4,
    )
    assert cfg.train_cfg.max_epochs == 100
    (sched,) = cfg.param_scheduler
    assert (sched.type, list(sched.milestones), sched.gamma) == (
        'MultiStepLR',
        [20, 40, 60, 80],
        0.1,
    )
    # Batch 12, 256x256, the prepared folder, a fold, train / test splits.
    assert cfg.train_dataloader.batch_size == 12
    for loader, split in (
        (cfg.train_dataloader, 'train'),
        (cfg.val_dataloader, 'test'),
        (cfg.test_dataloader, 'test'),
    ):
        ds = loader.dataset
        assert (ds.type, ds.data_root, ds.split, ds.fold) == (
            'BUSDataset',
            f'data/{data}',
            split,
            0,
        )
        resize = [t for t in ds.pipeline if t.type == 'Resize']
        assert [tuple(t.scale) for t in resize] == [(256, 256)]
    # ImageNet initialisation named (LeNet has none).
    init = cfg.model.backbone.get('init_cfg')
    if family(name) == 'lenet':
        assert init is None
    else:
        assert init.type == 'Pretrained'
        assert init.checkpoint.startswith(('torchvision://', 'https://'))


@pytest.mark.parametrize('name', CONFIGS)
def test_evaluators_match_outputs(name):
    cfg = load(name)
    fam = family(name)
    types = [m.type for m in cfg.test_evaluator]
    if fam == 'uresnet_r101':
        assert types == ['BUSSegMetric']
    elif MODEL_TYPES[fam] == 'BUSImageClassifier':
        assert types == ['BUSClsMetric']
    else:
        assert types == ['BUSSegMetric', 'BUSClsMetric']
    assert [m.type for m in cfg.val_evaluator] == types


@pytest.mark.parametrize('name', CONFIGS)
def test_pipelines_run_on_prepared_folder(name, tiny_bus_root):
    """Each config's train and test datasets, pointed at a tiny prepared
    folder (the phantom config generates its own), yield packed samples
    with the image label."""
    from mmseg.registry import DATASETS

    cfg = load(name)
    DefaultScope.get_instance('test_config_build', scope_name='mmseg')
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        ds_cfg = loader.dataset.copy()
        ds_cfg.serialize_data = False  # skips a 2 s gc.collect()
        if ds_cfg.type == 'BUSDataset':
            ds_cfg.data_root = tiny_bus_root
        elif ds_cfg.type == 'ConcatDataset':  # BUSI + UDIAT
            del ds_cfg.serialize_data
            for sub in ds_cfg.datasets:
                sub.update(data_root=tiny_bus_root, serialize_data=False)
        else:
            ds_cfg.update(num_samples=10, img_size=32, cache=False)
        sample = DATASETS.build(ds_cfg)[0]
        assert sample['inputs'].dtype == torch.uint8
        assert sample['data_samples'].gt_label.shape == (1,)
        if name.startswith(('resnet101', 'vgg16', 'lenet')):
            size = (256, 256)
            assert 'gt_sem_seg' not in sample['data_samples']
        else:
            size = (32, 32) if 'phantom' in name else (256, 256)
        assert tuple(sample['inputs'].shape[1:]) == size
