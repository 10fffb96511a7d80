"""tools/crossval.py and tools/crossval_table.py on the phantom.

The in-memory phantom covers the basic run; prepared phantom BUSI / UDIAT
folders (the converters' output) cover external validation, joint
BUSI + UDIAT training, and the checks that keep a work dir from mixing
runs of different settings.
"""

import importlib.util
import json
import os
import os.path as osp
import shutil

import cv2
import pytest
from mmengine.config import Config

from mmcosa.apis import fold_config

from ..test_apis.tiny_mtl import REPO, write_tiny_mtl_config
from .tiny_bus_cv import read_split, write_prepared_pair, write_tiny_bus_config


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        f'tool_{name}', osp.join(REPO, 'tools', f'{name}.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _json(path):
    with open(path) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def prepared(tmp_path_factory):
    """Prepared phantom BUSI and UDIAT folders with 2 folds each."""
    return write_prepared_pair(str(tmp_path_factory.mktemp('prepared')))


def test_crossval_two_folds_resume_and_table(tmp_path, capsys):
    config = write_tiny_mtl_config(str(tmp_path / 'mtl_cosa_tiny.py'))
    work = str(tmp_path / 'cv')
    crossval = _tool('crossval')
    assert crossval.main([config, '--folds', '2', '--work-dir', work]) == 0
    for name in ('summary.json', 'summary.md', 'roc.png'):
        assert osp.isfile(osp.join(work, name)), name
    summary = json.load(open(osp.join(work, 'summary.json')))
    assert summary['folds'] == [0, 1]
    assert summary['method'] == 'mtl_cosa_tiny'
    # 10 phantom cases in 2 folds: 5 test images each
    assert summary['metrics']['seg/num_images']['values'] == [5, 5]
    assert summary['metrics']['cls/num_samples']['values'] == [5, 5]
    for key in (
        'seg/DSC',
        'seg/mIoU',
        'seg/pooled/DSC',
        'cls_paper/AUC',
        'cls_malignant/TPR',
    ):
        assert len(summary['metrics'][key]['values']) == 2, key
    assert len(summary['roc']['folds']) == 2
    md = open(osp.join(work, 'summary.md')).read()
    assert '### Segmentation (paper Table 1 layout' in md
    assert '| mtl_cosa_tiny |' in md
    assert cv2.imread(osp.join(work, 'roc.png')) is not None
    # the visualisation hook drew the test images of each fold
    assert len(os.listdir(osp.join(work, 'fold_1', 'vis', 'test_1'))) == 2

    # resumable: finished folds are not trained again
    done = osp.join(work, 'fold_0', 'test_metrics.json')
    stamp = os.stat(done).st_mtime_ns
    os.remove(osp.join(work, 'summary.md'))
    assert crossval.main([config, '--folds', '2', '--work-dir', work]) == 0
    assert os.stat(done).st_mtime_ns == stamp
    assert osp.isfile(osp.join(work, 'summary.md'))
    assert not osp.exists(osp.join(work, 'fold_0', 'iter_2.pth'))

    table = _tool('crossval_table')
    out = str(tmp_path / 'table.md')
    assert table.main([work, '--dataset', 'busi', '--out', out]) == 0
    text = open(out).read()
    assert (
        '| MTL-COSA | paper | 77.85 | 37.01 | 82.13 | 77.48 | 59.15 |' in text
    )
    # the config name maps to the paper's method name, under its row
    assert '| MTL-COSA | measured (2 folds) |' in text
    assert 'Table 3' not in text  # one test set: nothing side by side
    capsys.readouterr()


def test_external_validation_resumes_and_reports_side_by_side(
    prepared, tmp_path, capsys
):
    """BUSI -> UDIAT: each fold's model is tested on every UDIAT image."""
    config = write_tiny_bus_config(
        str(tmp_path / 'mtl_cosa_tiny_busi.py'), prepared['busi']
    )
    work = str(tmp_path / 'cv')
    crossval = _tool('crossval')
    args = [config, '--folds', '2', '--work-dir', work]
    assert crossval.main(args + ['--external', prepared['udiat']]) == 0
    num_udiat = len(read_split(prepared['udiat'], 0, 'test')) + len(
        read_split(prepared['udiat'], 0, 'train')
    )
    for fold in (0, 1):
        internal = _json(osp.join(work, f'fold_{fold}', 'test_metrics.json'))
        external = _json(
            osp.join(work, f'fold_{fold}', 'test_metrics_udiat.json')
        )
        assert internal['metrics']['seg/num_images'] == len(
            read_split(prepared['busi'], fold, 'test')
        )
        assert external['test_set'] == 'udiat'
        assert external['metrics']['seg/num_images'] == num_udiat
        assert len(external['cls_scores']['probs']) == num_udiat
    summary = _json(osp.join(work, 'summary.json'))
    sets = summary['test_sets']
    assert list(sets) == ['internal', 'udiat']
    assert (sets['internal']['kind'], sets['internal']['dataset']) == (
        'internal',
        'busi',
    )
    assert (sets['udiat']['kind'], sets['udiat']['dataset']) == (
        'external',
        'udiat',
    )
    assert sets['udiat']['folds'] == [0, 1]
    assert summary['metrics'] == sets['internal']['metrics']
    assert set(summary['data_sha256']) == {prepared['busi'], prepared['udiat']}
    md = open(osp.join(work, 'summary.md')).read()
    assert (
        '| metric | internal (test fold), 2 folds | '
        'udiat (external, all images), 2 folds |'
    ) in md
    sizes = [len(read_split(prepared['busi'], k, 'test')) for k in (0, 1)]
    cell = (
        str(sizes[0]) if sizes[0] == sizes[1] else f'{min(sizes)}-{max(sizes)}'
    )
    assert f'| test images per fold | {cell} | {num_udiat} |' in md
    assert cv2.imread(osp.join(work, 'roc_udiat.png')) is not None

    # Resumable like internal folds: a lost external result is recomputed
    # from the fold's checkpoint (same model, same figures), without
    # training, and without --external (the run records its sets).
    lost = osp.join(work, 'fold_1', 'test_metrics_udiat.json')
    before = _json(lost)
    kept = osp.join(work, 'fold_1', 'test_metrics.json')
    stamp = os.stat(kept).st_mtime_ns
    os.remove(lost)
    assert crossval.main(args) == 0
    assert _json(lost)['metrics'] == before['metrics']
    assert os.stat(kept).st_mtime_ns == stamp
    assert sorted(
        n for n in os.listdir(osp.join(work, 'fold_1')) if n.endswith('.pth')
    ) == ['iter_1.pth']

    table = _tool('crossval_table')
    busi = str(tmp_path / 'busi.md')
    assert table.main([work, '--dataset', 'busi', '--out', busi]) == 0
    text = open(busi).read()
    assert '| MTL-COSA | measured (2 folds) |' in text
    assert 'measured on udiat' not in text  # UDIAT rows in UDIAT's table
    assert '| MTL-COSA | internal (test fold), 2 folds |' in text
    assert '| MTL-COSA | udiat (external, all images), 2 folds |' in text
    assert table.main([work, '--dataset', 'udiat']) == 0
    assert '| MTL-COSA | measured on udiat, external (2 folds) |' in (
        capsys.readouterr().out
    )


def test_joint_busi_udiat_training_reports_each_data_set(
    prepared, tmp_path, capsys
):
    """RMTL's protocol: train on both fold-k splits, test on each fold k."""
    config = write_tiny_bus_config(
        str(tmp_path / 'joint.py'), prepared['busi'], prepared['udiat']
    )
    # fold 1 trains on the concatenation of both training splits
    from mmseg.registry import DATASETS

    cfg = fold_config(Config.fromfile(config), 1, 2, str(tmp_path / 'f'))
    train = DATASETS.build(cfg.train_dataloader.dataset)
    names = [
        osp.basename(train.get_data_info(i)['img_path'])
        for i in range(len(train))
    ]
    assert names == read_split(prepared['busi'], 1, 'train') + read_split(
        prepared['udiat'], 1, 'train'
    )

    work = str(tmp_path / 'cv')
    crossval = _tool('crossval')
    assert (
        crossval.main(
            [config, '--folds', '2', '--fold', '1', '--work-dir', work]
        )
        == 0
    )
    for name in ('busi', 'udiat'):
        result = _json(osp.join(work, 'fold_1', f'test_metrics_{name}.json'))
        assert result['metrics']['seg/num_images'] == len(
            read_split(prepared[name], 1, 'test')
        )
    assert not osp.exists(osp.join(work, 'fold_1', 'test_metrics.json'))
    summary = _json(osp.join(work, 'summary.json'))
    assert list(summary['test_sets']) == ['busi', 'udiat']
    assert summary['num_folds'] == 2 and summary['folds'] == [1]
    md = open(osp.join(work, 'summary.md')).read()
    assert (
        '| metric | busi (test fold), 1 fold | udiat (test fold), 1 fold |'
        in md
    )
    assert '# joint: 2-fold cross-validation' in md
    table = _tool('crossval_table')
    assert table.main([work, '--dataset', 'udiat']) == 0
    out = capsys.readouterr().out
    assert '| joint | measured on udiat (1 fold) |' in out
    assert '| joint | measured on busi' not in out


def test_rerun_with_other_settings_stops_and_force_starts_over(
    prepared, tmp_path, capsys
):
    """An interrupted run (fold 0 of 2 done) is never continued with other
    options or another split; --force moves it aside, and the seeded
    rerun reproduces it."""
    busi = str(tmp_path / 'busi')
    shutil.copytree(prepared['busi'], busi)
    config = write_tiny_bus_config(str(tmp_path / 'tiny.py'), busi)
    work = str(tmp_path / 'cv')
    crossval = _tool('crossval')
    args = [config, '--folds', '2', '--work-dir', work]
    first = args + ['--fold', '0', '--cfg-options', 'train_cfg.max_iters=1']
    assert crossval.main(first) == 0
    summary = _json(osp.join(work, 'summary.json'))
    assert summary['cfg_options'] == {'train_cfg.max_iters': 1}
    record = _json(osp.join(work, 'crossval_run.json'))
    assert record['cfg_options'] == {'train_cfg.max_iters': 1}
    assert 'max_iters=1' in open(osp.join(work, 'crossval_config.py')).read()
    capsys.readouterr()

    other = args + ['--cfg-options', 'train_cfg.max_iters=2']
    assert crossval.main(other) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert 'config train_cfg.max_iters: 1 -> 2' in err and '--force' in err
    assert not osp.exists(osp.join(work, 'fold_1'))

    split = osp.join(busi, 'splits', 'fold_1_test.txt')
    text = open(split).read()
    with open(split, 'w') as f:
        f.write('\n'.join(reversed(text.split())) + '\n')
    assert crossval.main(first) == 1
    assert f'prepared split {busi} changed' in capsys.readouterr().err
    with open(split, 'w') as f:
        f.write(text)

    assert crossval.main(first + ['--force']) == 0
    (old,) = [n for n in os.listdir(tmp_path) if n.startswith('cv.old-')]
    result = 'fold_0/test_metrics.json'
    old_result = _json(osp.join(tmp_path, old, result))
    # the runtime's seed: the same run gives the same figures
    assert _json(osp.join(work, result)) == old_result


def test_crossval_bad_input(prepared, tmp_path, capsys):
    crossval = _tool('crossval')
    assert (
        crossval.main([str(tmp_path / 'none.py'), '--work-dir', str(tmp_path)])
        == 1
    )
    assert 'none.py' in capsys.readouterr().err
    config = write_tiny_mtl_config(str(tmp_path / 't.py'))
    work = str(tmp_path / 'cv')
    for extra, message in (
        (['--folds', '1'], 'folds must be an int >= 2'),
        (['--folds', '2', '--fold', '2'], 'outside 0..1'),
        (['--folds', '2', '--fold', '0', '0'], 'repeat a fold'),
        (
            ['--folds', '2', '--external', prepared['udiat']],
            'reads one BUSDataset, found 0',
        ),
        (
            ['--external', prepared['udiat'], '--external-name', 'a', 'b'],
            '2 --external-name for 1 --external',
        ),
        (['--external', str(tmp_path)], 'is not a prepared folder'),
    ):
        assert crossval.main([config, '--work-dir', work] + extra) == 1
        assert message in capsys.readouterr().err, extra
    # The prepared folders have 2 folds: any other --folds stops before
    # training (the BUSI data config sets no num_folds).
    bus = write_tiny_bus_config(str(tmp_path / 'b.py'), prepared['busi'])
    for folds in ('3', '7'):
        assert crossval.main([bus, '--folds', folds, '--work-dir', work]) == 1
        assert (
            f'--folds {folds} but {prepared["busi"]} was prepared with 2 '
            'folds' in capsys.readouterr().err
        )
    assert (
        crossval.main(
            [
                bus,
                '--folds',
                '2',
                '--work-dir',
                work,
                '--external',
                prepared['busi'],
                '--external-name',
                'internal',
            ]
        )
        == 1
    )
    assert 'reserved for the test fold' in capsys.readouterr().err
    assert not osp.exists(work)  # nothing was started
    table = _tool('crossval_table')
    assert table.main([str(tmp_path), '--dataset', 'busi']) == 1
    assert 'run tools/crossval.py' in capsys.readouterr().err
