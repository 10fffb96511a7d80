"""Configs compose: each leaf lists its bases and overrides only what
differs; the merged result is one command away (tools/misc/print_config.py).
"""

import ast
import glob
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

from ..tiny_job import PYTHON, run

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
LEAVES = sorted(glob.glob(osp.join(CONFIGS, '*.py')))
BASES = sorted(glob.glob(osp.join(CONFIGS, '_base_', '**', '*.py')))
TOOL = osp.join(REPO, 'tools', 'misc', 'print_config.py')
#: The mmpretrain classifiers: their own model and data bases, no TTA.
CLASSIFIERS = ('resnet101_', 'vgg16_', 'lenet_')


def assignments(path: str) -> dict:
    """Top-level ``name = <expression>`` of a config file, as AST nodes."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    return {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def bases_of(path: str) -> list:
    """The ``_base_`` entries of a config file (empty when it has none)."""
    node = assignments(path).get('_base_')
    return [] if node is None else list(ast.literal_eval(node))


def dict_keys(node: ast.AST) -> set:
    """Keywords of a ``dict(...)`` call node (empty for anything else)."""
    if isinstance(node, ast.Call) and getattr(node.func, 'id', '') == 'dict':
        return {kw.arg for kw in node.keywords}
    return set()


def keyword(node: ast.AST, name: str):
    for kw in getattr(node, 'keywords', []):
        if kw.arg == name:
            return kw.value
    return None


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_leaf_lists_model_dataset_schedule_runtime(path):
    bases = bases_of(path)
    kinds = [
        next(
            (k for k in ('models', 'datasets', 'schedules') if f'/{k}/' in b),
            'runtime' if b.endswith('/default_runtime.py') else b,
        )
        for b in bases
    ]
    assert kinds == ['models', 'datasets', 'schedules', 'runtime']
    for base in bases:
        assert base.startswith('./_base_/')
        assert osp.isfile(osp.join(CONFIGS, base))


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_leaf_is_short_and_repeats_no_model(path):
    with open(path, encoding='utf-8') as f:
        assert len(f.read().splitlines()) < 30
    model = assignments(path).get('model')
    if model is not None:  # an override, never a whole model dict
        assert not {'type', '_scope_'} & dict_keys(model)
        assert 'type' not in dict_keys(keyword(model, 'backbone'))


@pytest.mark.parametrize('path', BASES, ids=lambda p: osp.relpath(p, REPO))
def test_a_base_inherits_at_most_one_flat_base(path):
    """At most three files from a leaf to any value: leaf, base, its base."""
    bases = bases_of(path)
    assert len(bases) <= 1
    for base in bases:
        assert bases_of(osp.join(osp.dirname(path), base)) == []


def test_udiat_data_is_busi_data_on_another_folder():
    for name in ('', '_cls'):
        busi = Config.fromfile(f'{CONFIGS}/_base_/datasets/busi{name}.py')
        udiat = Config.fromfile(f'{CONFIGS}/_base_/datasets/udiat{name}.py')
        busi, udiat = busi.to_dict(), udiat.to_dict()
        assert (busi.pop('data_root'), udiat.pop('data_root')) == (
            'data/busi',
            'data/udiat',
        )
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            for cfg, data in ((busi, 'busi'), (udiat, 'udiat')):
                ds = cfg[key]['dataset']
                assert ds.pop('data_root') == f'data/{data}'
                assert ds.pop('source') == data.upper()
        assert busi == udiat


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_tta_wrapper_fits_the_model(path):
    """tta_model comes with the model base: the multi-task wrapper for the
    multi-task models, mmseg's for UResNet, none for the classifiers
    (which have no TTA pipeline either)."""
    cfg = Config.fromfile(path)
    if osp.basename(path).startswith(CLASSIFIERS):
        assert 'tta_model' not in cfg and 'tta_pipeline' not in cfg
        return
    expected = {
        'EncoderDecoder': 'SegTTAModel',
        'MultiTaskEncoderDecoder': 'MultiTaskTTAModel',
    }
    assert cfg.tta_model.type == expected[cfg.model.type]
    assert 'tta_pipeline' in cfg


def test_print_config_prints_the_merged_config():
    proc = run(
        [
            PYTHON,
            TOOL,
            'configs/mtl_cosa_r18_phantom.py',
            '--cfg-options',
            'train_cfg.max_iters=7',
        ]
    )
    text = proc.stdout
    assert text.startswith('Config:\n')
    cfg = Config.fromstring(text[len('Config:\n') :], '.py')
    assert cfg.train_cfg.max_iters == 7
    # From the model base, the leaf, the data base and the schedule base.
    assert cfg.model.cls_neck.type == 'COSANeck'
    assert cfg.model.backbone.depth == 18
    assert cfg.train_dataloader.dataset.type == 'BUSPhantomDataset'
    assert cfg.optim_wrapper.optimizer.lr == 1e-3


def load_tool():
    spec = importlib.util.spec_from_file_location('print_config', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_print_config_missing_file_is_one_line(tmp_path, capsys):
    assert load_tool().main([str(tmp_path / 'nope.py')]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: config file') and 'does not exist' in err
    assert err.count('\n') == 1


def test_print_config_bad_option_is_one_line(capsys):
    path = osp.join(CONFIGS, 'mtl_cosa_r18_phantom.py')
    # val_evaluator has two entries: a sixth cannot be merged.
    options = ['--cfg-options', 'val_evaluator.5.type=X']
    assert load_tool().main([path, *options]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: --cfg-options cannot be merged')
    assert err.count('\n') == 1
