"""Fold summaries and the mean ROC, with figures worked out by hand."""

import numpy as np
import pytest

from mmcosa.evaluation.crossval import (
    mean_roc,
    summarise_folds,
    summarise_run,
    write_summary_md,
)

from .fold_results import RESULTS, two_sets


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


def test_write_summary_md():
    summary = summarise_folds(RESULTS, method='tiny')
    text = write_summary_md(summary)
    assert '| tiny | 75.00 ± 7.07 | - | - | 85.00 ± 7.07 | - | - |' in text
    assert '| cls_paper/AUC | 0.875 ± 0.177 | 1 | 0.75 |' in text


def test_summarise_run_and_side_by_side_md():
    summary = two_sets()
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
