"""Fold summaries, mean ROC, fold configs and the comparison tables."""

import json

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmcosa.apis import (
    build_comparison,
    fold_config,
    mean_roc,
    method_label,
    plot_roc,
    summarise_folds,
    write_summary_md,
)
from mmcosa.apis.crossval_summary import summarise_run

# Fold 0: every prediction right. Fold 1: half right (see test below).
RESULTS = [
    dict(
        fold=0,
        metrics={'seg/DSC': 80.0, 'seg/TPR': 70.0},
        cls_scores=dict(
            probs=[[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]],
            gt_label=[0, 1, 0, 1],
            pred_label=[0, 1, 0, 1],
        ),
    ),
    dict(
        fold=1,
        metrics={'seg/DSC': 90.0, 'seg/TPR': 80.0},
        cls_scores=dict(
            probs=[[0.4, 0.6], [0.7, 0.3], [0.8, 0.2], [0.1, 0.9]],
            gt_label=[0, 1, 0, 1],
            pred_label=[1, 0, 0, 1],
        ),
    ),
]


def test_summarise_folds_by_hand():
    summary = summarise_folds(RESULTS, method='tiny', config='x.py')
    m = summary['metrics']
    assert m['seg/DSC']['mean'] == 85.0
    assert m['seg/DSC']['std'] == pytest.approx(np.sqrt(50))  # ddof=1
    assert m['seg/DSC']['values'] == [80.0, 90.0]
    # benign positive: fold 0 perfect; fold 1 TP 1, FN 1, FP 1, TN 1
    assert m['cls_paper/TPR']['values'] == [100.0, 50.0]
    assert m['cls_paper/FPR']['values'] == [0.0, 50.0]
    assert m['cls_paper/ACC']['mean'] == 75.0
    # fold 1 benign AUC: pos {0.4, 0.8} vs neg {0.7, 0.1} -> 3 / 4
    assert m['cls_paper/AUC']['values'] == [1.0, 0.75]
    assert m['cls_malignant/TPR']['values'] == [100.0, 50.0]
    assert m['cls_malignant/specificity']['values'] == [100.0, 50.0]
    assert summary['folds'] == [0, 1]
    roc = summary['roc']
    assert roc['positive_class'] == 'benign'
    assert [c['auc'] for c in roc['folds']] == [1.0, 0.75]
    assert roc['mean']['auc_mean'] == pytest.approx(0.875)


def test_mean_roc_vertical_average():
    curves = [
        dict(fpr=[0, 0, 1], tpr=[0, 1, 1], auc=1.0),
        dict(fpr=[0, 0, 0.5, 0.5, 1], tpr=[0, 0.5, 0.5, 1, 1], auc=0.75),
    ]
    mean = mean_roc(curves, num_points=5)  # grid 0, .25, .5, .75, 1
    assert mean['fpr'] == [0.0, 0.0, 0.25, 0.5, 0.75, 1.0]
    assert mean['tpr'] == [0.0, 0.75, 0.75, 1.0, 1.0, 1.0]
    assert mean['auc_of_mean'] == pytest.approx(
        0.25 * 0.75 + 0.25 * 0.875 + 0.5
    )
    assert mean['auc_std'] == pytest.approx(np.std([1, 0.75], ddof=1))


def test_write_summary_md_and_plot(tmp_path):
    summary = summarise_folds(RESULTS, method='tiny')
    text = write_summary_md(summary)
    assert '| tiny | 75.00 ± 7.07 | - | - | 85.00 ± 7.07 | - | - |' in text
    assert '| cls_paper/AUC | 0.875 ± 0.177 | 1 | 0.75 |' in text
    out = plot_roc(summary['roc'], str(tmp_path / 'a' / 'roc.png'))
    img = cv2.imread(out)
    assert img is not None and img.shape[0] > 300


def test_fold_config_unwraps_datasets(tmp_path):
    phantom = dict(type='BUSPhantomDataset', fold=0, num_folds=5)
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset', times=2, dataset=dict(phantom)
                )
            ),
            val_dataloader=dict(
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[
                        dict(type='BUSDataset', data_root='a'),
                        dict(type='BUSDataset', data_root='b'),
                    ],
                )
            ),
            test_dataloader=dict(dataset=dict(phantom)),
            test_dataloaders=dict(
                a=dict(dataset=dict(type='BUSDataset', data_root='a'))
            ),
            visualizer=dict(type='Visualizer', name='visualizer'),
        )
    )
    (tmp_path / 'last_checkpoint').write_text('x')
    out = fold_config(cfg, 3, 4, str(tmp_path))
    assert out.train_dataloader.dataset.dataset.fold == 3
    assert out.train_dataloader.dataset.dataset.num_folds == 4
    assert [d.fold for d in out.val_dataloader.dataset.datasets] == [3, 3]
    # BUSDataset checks num_folds against its meta.json
    assert out.val_dataloader.dataset.datasets[0].num_folds == 4
    assert out.test_dataloaders.a.dataset.fold == 3
    assert out.test_dataloader.dataset.fold == 3
    assert out.work_dir == str(tmp_path) and out.resume is True
    assert out.visualizer.name.startswith('fold_3_')
    assert cfg.test_dataloader.dataset.fold == 0  # the original is intact
    bad = Config(dict(test_dataloader=dict(dataset=dict(type='ADE20K'))))
    with pytest.raises(ValueError, match='test_dataloader has no dataset'):
        fold_config(bad, 0, 5, str(tmp_path))
    bad = Config(dict(test_dataloaders=dict(x=dict(dataset=dict(type='A')))))
    with pytest.raises(ValueError, match=r"test_dataloaders\['x'\] has no"):
        fold_config(bad, 0, 5, str(tmp_path))


# The second test set: fold 0 all wrong, fold 1 as fold 1 above.
EXTERNAL = [
    dict(RESULTS[0], metrics={'seg/DSC': 40.0, 'seg/num_images': 8}),
    dict(RESULTS[1], metrics={'seg/DSC': 60.0, 'seg/num_images': 8}),
]
RUN = dict(
    num_folds=5,
    cfg_options={'a': 1},
    config_sha256='c' * 64,
    data={'data/busi': 'a' * 64},
    external={'udiat': dict(data_root='data/udiat', sha256='b' * 64)},
)


def _two_sets():
    return summarise_run(
        [
            ('internal', dict(kind='internal', dataset='busi'), RESULTS),
            (
                'udiat',
                dict(kind='external', dataset='udiat', data_root='data/udiat'),
                EXTERNAL,
            ),
            ('empty', dict(kind='external'), []),
        ],
        method='mtl_cosa_r18',
        config='x.py',
        run=RUN,
    )


def test_summarise_run_and_side_by_side_md():
    summary = _two_sets()
    assert list(summary['test_sets']) == ['internal', 'udiat']  # empty: out
    assert summary['metrics'] == summary['test_sets']['internal']['metrics']
    assert summary['roc'] == summary['test_sets']['internal']['roc']
    ext = summary['test_sets']['udiat']
    assert ext['kind'] == 'external' and ext['folds'] == [0, 1]
    assert ext['metrics']['seg/DSC']['mean'] == 50.0
    assert summary['num_folds'] == 5 and summary['cfg_options'] == {'a': 1}
    assert summary['data_sha256'] == {
        'data/busi': 'a' * 64,
        'data/udiat': 'b' * 64,
    }
    text = write_summary_md(summary)
    lines = text.splitlines()
    assert lines[0] == '# mtl_cosa_r18: 5-fold cross-validation'
    assert 'folds finished: [0, 1] of 5' in text
    assert "Options: `{'a': 1}`." in text
    assert '`data/busi` aaaaaaaaaaaa, `data/udiat` bbbbbbbbbbbb' in text
    assert (
        '| metric | internal (test fold), 2 folds | '
        'udiat (external, all images), 2 folds |'
    ) in lines
    assert '| test images per fold | - | 8 |' in lines
    assert '| DSC | 85.00 ± 7.07 | 50.00 ± 14.14 |' in lines
    assert '| AUC | 0.875 ± 0.177 | 0.875 ± 0.177 |' in lines
    assert '## Test set: udiat (external, all images), data/udiat' in lines
    assert '(`roc_udiat.png`).' in text
    with pytest.raises(ValueError, match='no finished fold'):
        summarise_run([('a', {}, [])], method='m')


def test_build_comparison_table(tmp_path):
    work = tmp_path / 'mtl_cosa_r18_phantom'
    work.mkdir()
    summary = summarise_folds(RESULTS, method='mtl_cosa_r18_phantom')
    (work / 'summary.json').write_text(json.dumps(summary))
    text = build_comparison([str(work)], 'b')
    lines = text.splitlines()
    paper = lines.index(
        '| MTL-COSA | paper | 82.17 | 17.14 | 85.87 | 81.82 | 34.97 |  |'
    )
    assert lines[paper + 1].startswith('| MTL-COSA | RMTL |')
    assert lines[paper + 2].startswith(
        '| MTL-COSA | measured (2 folds) | 75.00 ± 7.07 |'
    )
    assert (
        '| MTL-COSA | paper | 91.73 | 22.36 | 87.08 | 89.36 | 90.41 | '
        '0.93 |  |  |' in lines
    )
    busi = build_comparison([str(work)], 'BUSI', names=['mine'])
    assert (
        '| mine | measured (2 folds) | 75.00 ± 35.36 | 25.00 ± 35.36' in busi
    )
    assert '| RMTL-Net | RMTL |' in busi


def test_build_comparison_with_external_set(tmp_path):
    work = tmp_path / 'mtl_cosa_r101_busi'
    work.mkdir()
    (work / 'summary.json').write_text(json.dumps(_two_sets()))
    busi = build_comparison([str(work)], 'busi').splitlines()
    measured = [line for line in busi if '| measured' in line]
    assert [line.split(' | ')[1] for line in measured] == [
        'measured (2 folds)',  # Table 1
        'measured (2 folds)',  # Table 2
    ]
    i = busi.index(
        '| method | test set | DSC | IoU | mIoU | ACC | AUC | '
        'Sens. (mal.) | Spec. (mal.) |'
    )
    assert busi[i + 2].startswith(
        '| MTL-COSA | internal (test fold), 2 folds | 85.00 ± 7.07 |'
    )
    assert busi[i + 3].startswith(
        '| MTL-COSA | udiat (external, all images), 2 folds | 50.00 ± 14.14 |'
    )
    udiat = build_comparison([str(work)], 'udiat')
    assert '| MTL-COSA | measured on udiat, external (2 folds) | ' in udiat
    assert '| MTL-COSA | measured (2 folds)' not in udiat


def test_build_comparison_errors(tmp_path):
    with pytest.raises(ValueError, match='unknown data set'):
        build_comparison([], 'cifar')
    with pytest.raises(ValueError, match='one name per work dir'):
        build_comparison([str(tmp_path)], 'busi', names=['a', 'b'])
    with pytest.raises(FileNotFoundError, match='run tools/crossval.py'):
        build_comparison([str(tmp_path)], 'busi')


def test_method_label():
    assert method_label('mtl_cosa_r101_busi') == 'MTL-COSA'
    assert method_label('work_dirs/mtl_sa_r101_udiat/') == 'MTL-SA'
    assert method_label('mtl_r101_busi') == 'MTL'
    assert method_label('uresnet_r101_busi') == 'UResNet'
    assert method_label('resnet101_busi') == 'ResNet-101'
    assert method_label('vgg16_udiat') == 'VGG-16'
    assert method_label('lenet_busi') == 'LeNet'
    assert method_label('my_method') == 'my_method'
