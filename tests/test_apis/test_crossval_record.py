"""The run record of a cross-validation work dir and its rerun checks."""

import json
import os

import pytest
from mmengine.config import Config

from mmcosa.apis.crossval_record import (
    CONFIG_FILE,
    RECORD_FILE,
    CrossvalMismatchError,
    config_differences,
    open_run,
)
from mmcosa.apis.crossval_sets import CrossvalTestSet


def _prepared(root, names=('a.png', 'b.png', 'c.png', 'd.png')):
    """A prepared folder as far as the record reads it (no images)."""
    os.makedirs(root / 'splits')
    rows = [f'{n},{i % 2},x' for i, n in enumerate(names)]
    (root / 'labels.csv').write_text(
        'filename,label,class_name\n' + '\n'.join(rows) + '\n'
    )
    for k in range(2):
        test = names[k::2]
        train = [n for n in names if n not in test]
        (root / 'splits' / f'fold_{k}_test.txt').write_text('\n'.join(test))
        (root / 'splits' / f'fold_{k}_train.txt').write_text('\n'.join(train))
    (root / 'meta.json').write_text(json.dumps(dict(num_folds=2)))
    return str(root)


def _cfg(root, lr=0.1):
    ds = dict(type='BUSDataset', data_root=root, fold=0, split='test')
    return Config(
        dict(
            test_dataloader=dict(batch_size=1, dataset=ds),
            optim_wrapper=dict(optimizer=dict(type='Adam', lr=lr)),
        )
    )


def _external(root, name='ext'):
    return CrossvalTestSet(name, 'external', loader={}, data_root=root)


def test_first_run_records_config_options_and_split(tmp_path):
    root = _prepared(tmp_path / 'busi')
    work = str(tmp_path / 'cv')
    record = open_run(work, 'c.py', _cfg(root), {'x': (1, 2)}, 2)
    assert record['cfg_options'] == {'x': [1, 2]}
    assert record['num_folds'] == 2 and list(record['data']) == [root]
    assert len(record['data'][root]) == 64
    with open(os.path.join(work, RECORD_FILE)) as f:
        assert json.load(f) == record
    copy = Config.fromfile(os.path.join(work, CONFIG_FILE))
    assert copy.optim_wrapper.optimizer.lr == 0.1
    # the same setup resumes
    assert (
        open_run(work, 'c.py', _cfg(root), {'x': (1, 2)}, 2)['data']
        == (record['data'])
    )


def test_rerun_names_what_differs(tmp_path):
    root = _prepared(tmp_path / 'busi')
    work = str(tmp_path / 'cv')
    open_run(work, 'c.py', _cfg(root), None, 2)
    with pytest.raises(
        CrossvalMismatchError,
        match=r'config optim_wrapper\.optimizer\.lr: 0\.1 -> 0\.2; '
        r"--cfg-options \{\} recorded, \{'lr': 0\.2\} now\).*--force",
    ):
        open_run(work, 'c.py', _cfg(root, lr=0.2), {'lr': 0.2}, 2)
    with pytest.raises(CrossvalMismatchError, match='--folds 2 recorded, 3'):
        open_run(work, 'c.py', _cfg(root), None, 3)
    split = tmp_path / 'busi' / 'splits' / 'fold_1_test.txt'
    split.write_text('a.png\nb.png')
    with pytest.raises(
        CrossvalMismatchError, match=f'prepared split {root} changed'
    ):
        open_run(work, 'c.py', _cfg(root), None, 2)


def test_external_sets_are_kept_and_checked(tmp_path):
    root = _prepared(tmp_path / 'busi')
    ext = _prepared(tmp_path / 'udiat', names=('u1.png', 'u2.png'))
    other = _prepared(tmp_path / 'other', names=('o1.png', 'o2.png'))
    work = str(tmp_path / 'cv')
    open_run(work, 'c.py', _cfg(root), None, 2, [_external(ext)])
    # a rerun without --external keeps the recorded set
    record = open_run(work, 'c.py', _cfg(root), None, 2)
    assert record['external']['ext']['data_root'] == ext
    # a new name is added; the same name on other data stops
    record = open_run(
        work, 'c.py', _cfg(root), None, 2, [_external(other, 'o')]
    )
    assert list(record['external']) == ['ext', 'o']
    with pytest.raises(
        CrossvalMismatchError, match=f"external set 'ext' is {other}"
    ):
        open_run(work, 'c.py', _cfg(root), None, 2, [_external(other)])


def test_results_without_record_and_force(tmp_path):
    root = _prepared(tmp_path / 'busi')
    work = tmp_path / 'cv'
    (work / 'fold_0').mkdir(parents=True)
    (work / 'fold_0' / 'test_metrics.json').write_text('{}')
    with pytest.raises(CrossvalMismatchError, match='but no crossval_run'):
        open_run(str(work), 'c.py', _cfg(root), None, 2)
    record = open_run(str(work), 'c.py', _cfg(root), None, 2, force=True)
    (old,) = [p for p in tmp_path.iterdir() if p.name.startswith('cv.old-')]
    assert (old / 'fold_0' / 'test_metrics.json').is_file()
    assert sorted(os.listdir(work)) == [CONFIG_FILE, RECORD_FILE]
    assert record['num_folds'] == 2
    # --force again: the recorded run is moved aside too, never reused
    open_run(str(work), 'c.py', _cfg(root, lr=0.5), None, 2, force=True)
    assert len([p for p in tmp_path.iterdir() if 'cv.old-' in p.name]) == 2


def test_config_differences_lists_keys():
    a = Config(dict(a=1, b=dict(c=[1, dict(d=2)]), e='x'))
    b = Config(dict(a=1, b=dict(c=[1, dict(d=3)]), f=1))
    assert config_differences(a, b) == [
        'b.c.1.d: 2 -> 3',
        "e: 'x' -> (unset)",
        'f: (unset) -> 1',
    ]
    assert config_differences(a, a) == []
    many = Config({f'k{i}': i for i in range(5)})
    assert config_differences(many, Config({}), limit=2)[-1] == '3 more'
