"""A BUSI config refuses a folder prepared from UDIAT (and vice versa)."""

import json
import shutil
from pathlib import Path

import pytest
from mmengine.config import Config

from mmcosa.datasets import BUSDataset

CONFIGS = Path(__file__).parents[2] / 'configs' / '_base_' / 'datasets'


def test_udiat_folder_refused_by_a_busi_dataset(udiat_prepared):
    root = str(udiat_prepared[0])
    with pytest.raises(ValueError) as err:
        BUSDataset(data_root=root, source='BUSI')
    msg = str(err.value)
    assert '\n' not in msg
    assert f'{root} was prepared from UDIAT (meta.json "source")' in msg
    assert 'this config reads BUSI' in msg
    assert 'tools/dataset_converters/busi.py' in msg
    assert len(BUSDataset(data_root=root, source='UDIAT')) > 0
    assert len(BUSDataset(data_root=root, source='udiat')) > 0
    assert len(BUSDataset(data_root=root)) > 0  # no source: any folder


def test_source_argument_and_unknown_sources(busi_prepared, tmp_path):
    root = busi_prepared[0]
    with pytest.raises(ValueError, match=r"source must be one of .*'MyData'"):
        BUSDataset(data_root=str(root), source='MyData')
    other = tmp_path / 'other'
    shutil.copytree(root, other)
    meta = json.loads((other / 'meta.json').read_text())
    meta['source'] = 'in-house'  # not written by an mmcosa converter
    (other / 'meta.json').write_text(json.dumps(meta))
    assert len(BUSDataset(data_root=str(other), source='UDIAT')) > 0
    (other / 'meta.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='holds a list, not an object'):
        BUSDataset(data_root=str(other), source='BUSI')


@pytest.mark.parametrize(
    'name, source',
    [
        ('busi.py', 'BUSI'),
        ('busi_cls.py', 'BUSI'),
        ('udiat.py', 'UDIAT'),
        ('udiat_cls.py', 'UDIAT'),
    ],
)
def test_data_configs_name_their_source(name, source):
    cfg = Config.fromfile(str(CONFIGS / name))
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        assert loader.dataset.source == source
