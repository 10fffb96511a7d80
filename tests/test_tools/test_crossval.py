"""tools/crossval.py and tools/crossval_table.py on the phantom."""

import importlib.util
import json
import os
import os.path as osp

import cv2

from ..test_apis.tiny_mtl import REPO, write_tiny_mtl_config


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        f'tool_{name}', osp.join(REPO, 'tools', f'{name}.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    capsys.readouterr()


def test_crossval_bad_input(tmp_path, capsys):
    crossval = _tool('crossval')
    assert (
        crossval.main([str(tmp_path / 'none.py'), '--work-dir', str(tmp_path)])
        == 1
    )
    assert 'none.py' in capsys.readouterr().err
    config = write_tiny_mtl_config(str(tmp_path / 't.py'))
    assert (
        crossval.main([config, '--folds', '1', '--work-dir', str(tmp_path)])
        == 1
    )
    assert 'folds must be an int >= 2' in capsys.readouterr().err
    assert (
        crossval.main(
            [
                config,
                '--folds',
                '2',
                '--fold',
                '2',
                '--work-dir',
                str(tmp_path),
            ]
        )
        == 1
    )
    assert 'outside 0..1' in capsys.readouterr().err
    table = _tool('crossval_table')
    assert table.main([str(tmp_path), '--dataset', 'busi']) == 1
    assert 'run tools/crossval.py' in capsys.readouterr().err
