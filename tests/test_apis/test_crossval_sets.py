"""Test sets of a cross-validation run: named, external, fold checks."""

import json

import pytest
from mmengine.config import Config

from mmcosa.apis.crossval_sets import (
    check_num_folds,
    external_test_set,
    internal_test_sets,
    split_hash,
)


def _prepared(root, num_folds=2, source='BUSI'):
    (root / 'splits').mkdir(parents=True)
    (root / 'labels.csv').write_text('filename,label\na.png,0\nb.png,1\n')
    for k in range(num_folds):
        (root / 'splits' / f'fold_{k}_test.txt').write_text('a.png\n')
    (root / 'meta.json').write_text(
        json.dumps(dict(num_folds=num_folds, source=source))
    )
    return str(root)


def _loader(root, **kw):
    return dict(
        batch_size=1,
        dataset=dict(type='BUSDataset', data_root=root, fold=0, **kw),
    )


def test_internal_sets_default_and_named(tmp_path):
    busi = _prepared(tmp_path / 'busi')
    udiat = _prepared(tmp_path / 'udiat', source='UDIAT')
    (one,) = internal_test_sets(Config(dict(test_dataloader=_loader(busi))))
    assert (one.name, one.kind, one.dataset) == (
        'internal',
        'internal',
        'busi',
    )
    assert one.result_file == 'test_metrics.json'
    loader = one.fold_loader(1, 2)
    assert (loader['dataset']['fold'], loader['dataset']['num_folds']) == (
        1,
        2,
    )
    assert one.loader['dataset']['fold'] == 0  # the set's copy is intact
    cfg = Config(
        dict(
            test_dataloader=_loader(busi),
            test_dataloaders=dict(busi=_loader(busi), udiat=_loader(udiat)),
        )
    )
    sets = internal_test_sets(cfg)
    assert [(s.name, s.dataset, s.data_root) for s in sets] == [
        ('busi', 'busi', busi),
        ('udiat', 'udiat', udiat),
    ]
    assert sets[1].result_file == 'test_metrics_udiat.json'


@pytest.mark.parametrize(
    'named, match',
    [
        ({}, 'non-empty dict'),
        ([1], 'non-empty dict'),
        ({'a/b': {}}, "'a/b' is not a valid test set name"),
        ({'internal': {'dataset': {}}}, 'other than'),
        ({'a': 3}, r"test_dataloaders\['a'\] must be a dataloader dict"),
    ],
)
def test_internal_sets_errors(named, match):
    with pytest.raises(ValueError, match=match):
        internal_test_sets(Config(dict(test_dataloaders=named)))


def test_no_test_dataloader():
    with pytest.raises(ValueError, match='has no test_dataloader'):
        internal_test_sets(Config(dict()))


def test_external_set_takes_every_image(tmp_path):
    busi = _prepared(tmp_path / 'busi')
    udiat = _prepared(tmp_path / 'udiat', num_folds=3, source='UDIAT')
    cfg = Config(
        dict(test_dataloader=_loader(busi, split='test', num_folds=2))
    )
    (template,) = internal_test_sets(cfg)
    ext = external_test_set(template, udiat)
    assert (ext.name, ext.kind, ext.dataset) == ('udiat', 'external', 'udiat')
    assert ext.result_file == 'test_metrics_udiat.json'
    ds = ext.fold_loader(1, 2)['dataset']
    assert ds == dict(type='BUSDataset', data_root=udiat, split='all')
    assert ext.fold_loader(1, 2)['batch_size'] == 1
    assert external_test_set(template, udiat, 'b').name == 'b'
    with pytest.raises(ValueError, match='reserved for the test fold'):
        external_test_set(template, udiat, 'internal')
    with pytest.raises(FileNotFoundError, match='not a prepared folder'):
        external_test_set(template, str(tmp_path))
    phantom = Config(
        dict(test_dataloader=dict(dataset=dict(type='BUSPhantomDataset')))
    )
    with pytest.raises(ValueError, match='reads one BUSDataset, found 0'):
        external_test_set(internal_test_sets(phantom)[0], udiat)


def test_check_num_folds_and_split_hash(tmp_path):
    busi = _prepared(tmp_path / 'busi', num_folds=5)
    cfg = Config(
        dict(
            train_dataloader=_loader(busi, split='train'),
            test_dataloader=_loader(busi, split='test'),
        )
    )
    assert check_num_folds(cfg, 5) == {busi: 5}
    with pytest.raises(
        ValueError,
        match=f'--folds 3 but {busi} was prepared with 5 folds .*--folds 5',
    ):
        check_num_folds(cfg, 3)
    missing = Config(dict(test_dataloader=_loader(str(tmp_path / 'none'))))
    with pytest.raises(FileNotFoundError, match='not a prepared folder'):
        check_num_folds(missing, 5)
    digest = split_hash(busi)
    assert split_hash(busi) == digest
    (tmp_path / 'busi' / 'splits' / 'fold_4_test.txt').write_text('b.png\n')
    assert split_hash(busi) != digest
