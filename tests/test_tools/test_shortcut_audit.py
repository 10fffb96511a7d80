"""tools/analysis_tools/shortcut_audit.py and run_shortcut_audit."""

import json
import os.path as osp

import numpy as np
import pytest

from mmcosa.analysis import format_audit_table, run_shortcut_audit
from mmcosa.cli.shortcut_audit import shortcut_audit_main

from ..test_apis.tiny_mtl import save_random_checkpoint, write_tiny_mtl_config
from .tiny_shortcut import (
    NUM_TEST,
    train_lenet,
    write_cases,
    write_cls_config,
)


@pytest.fixture(scope='module')
def learned(tmp_path_factory):
    """A LeNet that learned the lesion-only class, and its audit report."""
    root = tmp_path_factory.mktemp('shortcut')
    data_root = str(root / 'data')
    cases = write_cases(data_root)
    config = write_cls_config(str(root / 'lenet.py'), data_root)
    ckpt = train_lenet(
        config,
        cases['train'],
        cases['train_labels'],
        str(root / 'lenet.pth'),
    )
    out = str(root / 'audit.json')
    assert shortcut_audit_main([config, ckpt, '--out', out]) == 0
    with open(out) as f:
        report = json.load(f)
    return dict(config=config, ckpt=ckpt, report=report, cases=cases)


def test_five_figures_on_a_lesion_reading_model(learned):
    """(a) high; (b) lesion hidden -> about 0.5; (c) lesion only stays
    high; (d) marks are class-blind, so no change; (e) size says nothing
    (every image is 48x48)."""
    res = learned['report']['results']
    auc = {k: v['AUC'] for k, v in res.items()}
    assert auc['original'] >= 0.9
    assert auc['lesion_only'] >= 0.85
    assert auc['lesion_only'] >= auc['original'] - 0.1
    assert abs(auc['lesion_hidden'] - 0.5) <= 0.2
    assert auc['original'] - auc['lesion_hidden'] >= 0.3
    assert abs(auc['marks_inpainted'] - auc['original']) <= 0.05
    assert auc['metadata'] == 0.5
    for key in res:
        assert 0 <= res[key]['ACC'] <= 100
    assert res['original']['ACC'] >= 80
    assert res['lesion_hidden']['ACC'] <= 70


def test_report_counts_and_settings(learned):
    report = learned['report']
    assert report['positive_class'] == 'malignant'  # the config's metric
    assert report['num_images'] == report['num_evaluated'] == NUM_TEST
    assert report['dataset'] == 'BUSDataset' and report['fold'] == 0
    res = report['results']
    # the window covers a lesion of 16-22 px plus 25 % margins per side
    assert 0.15 < res['lesion_hidden']['hidden_fraction'] < 0.6
    assert res['lesion_only']['hidden_fraction'] == pytest.approx(
        1 - res['lesion_hidden']['hidden_fraction']
    )
    # the burnt-in calipers are found on the marked images; at 48x48 a
    # short skin line or a speckle ridge may pass for a mark on one or two
    # of the 30 others
    marked = set(learned['cases']['marked'])
    touched = {
        osp.basename(r['img_path'])
        for r in report['per_image']
        if r['mark_pixels']
    }
    assert marked <= touched
    assert len(touched - marked) <= 2
    marks = res['marks_inpainted']['marks']
    assert marks['images_touched'] == len(touched)
    assert marks['pixels_inpainted'] >= 13 * len(marked)
    assert res['metadata']['cv'].startswith('stratified 5-fold')
    scores = [r['scores']['original'] for r in report['per_image']]
    assert all(0 <= s <= 1 for s in scores)


def test_table_names_every_row(learned):
    table = format_audit_table(learned['report'])
    for row in ('(a)', '(b)', '(c)', '(d)', '(e)'):
        assert row in table
    assert 'positive class: malignant' in table
    auc = learned['report']['results']['lesion_only']['AUC']
    assert f'{auc:.3f}' in table


def test_benign_positive_mirrors_the_auc(learned):
    report = run_shortcut_audit(
        learned['config'], learned['ckpt'], positive_class='benign'
    )
    assert report['positive_class'] == 'benign'
    for key, res in report['results'].items():
        mal = learned['report']['results'][key]
        # two classes: P(benign) = 1 - P(malignant), so the AUCs agree
        assert res['AUC'] == pytest.approx(mal['AUC'], abs=1e-9)
        assert res['ACC'] == pytest.approx(mal['ACC'])


def test_posterior_window_hides_more(learned):
    report = run_shortcut_audit(
        learned['config'], learned['ckpt'], posterior=True
    )
    assert report['settings']['posterior'] is True
    res, base = report['results'], learned['report']['results']
    assert (
        res['lesion_hidden']['hidden_fraction']
        > base['lesion_hidden']['hidden_fraction'] + 0.05
    )
    assert abs(res['lesion_hidden']['AUC'] - 0.5) <= 0.2
    assert res['lesion_only']['AUC'] >= 0.85


def test_wrong_window_keeps_the_lesion_visible(learned, monkeypatch):
    """The relations fail when the window misses the lesion: a mask moved
    by half the image puts the box on the wrong area, and (b) stays
    high."""
    import mmcosa.analysis.shortcut_audit as audit

    real = audit.hide_lesion
    monkeypatch.setattr(
        audit,
        'hide_lesion',
        lambda img, mask, **kw: real(
            img, np.roll(mask, (24, 24), (0, 1)), **kw
        ),
    )
    report = run_shortcut_audit(learned['config'], learned['ckpt'])
    assert report['results']['lesion_hidden']['AUC'] >= 0.75


def test_multi_task_model_on_the_phantom(tmp_path):
    """An MTL-COSA config whose test set is rendered on the fly (no image
    files): the audit runs, with the config's positive class."""
    config = write_tiny_mtl_config(str(tmp_path / 't.py'), num_samples=20)
    ckpt = save_random_checkpoint(config, str(tmp_path / 't.pth'))
    report = run_shortcut_audit(
        config, ckpt, fold=1, window='disc', fill='inpaint', batch_size=3
    )
    assert report['dataset'] == 'BUSPhantomDataset'
    assert report['fold'] == 1 and report['num_images'] == 4
    assert report['positive_class'] == 'benign'  # BUSClsMetric default
    assert report['settings']['shape'] == 'disc'
    meta = report['results']['metadata']
    assert meta['AUC'] == 0.5  # every phantom image is 64x64
    assert meta['cv'].startswith('stratified 2-fold')  # 2 images a class
    for key in ('original', 'lesion_hidden', 'lesion_only'):
        assert not np.isnan(report['results'][key]['AUC'])


def test_cli_errors(tmp_path, learned):
    missing = str(tmp_path / 'none.pth')
    assert shortcut_audit_main([learned['config'], missing]) == 1
    with pytest.raises(SystemExit):
        shortcut_audit_main([learned['config'], 'x', '--window', 'oval'])


@pytest.mark.parametrize(
    'kwargs, err, match',
    [
        (dict(margin=-1), ValueError, 'margin'),
        (dict(fill='blur'), ValueError, 'fill'),
        (dict(batch_size=0), ValueError, 'batch_size'),
        (dict(meta_folds=1), ValueError, 'meta_folds'),
        (dict(window='oval'), ValueError, 'window shape'),
        (dict(positive_class='normal'), ValueError, 'positive_class'),
    ],
)
def test_argument_errors(learned, kwargs, err, match):
    with pytest.raises(err, match=match):
        run_shortcut_audit(learned['config'], learned['ckpt'], **kwargs)


def test_unlabelled_data_set_is_refused(tmp_path):
    from ..tiny_job import write_tiny_config, write_tiny_data

    data_root = str(tmp_path / 'data')
    write_tiny_data(data_root)
    config = write_tiny_config(str(tmp_path / 't.py'), data_root)
    with pytest.raises(ValueError, match='no image label'):
        run_shortcut_audit(config, None)


def test_segmentation_only_model_is_refused(tmp_path):
    config = write_tiny_mtl_config(str(tmp_path / 't.py'), num_samples=10)
    with pytest.raises(ValueError, match='no class scores'):
        run_shortcut_audit(
            config,
            None,
            cfg_options={'model.cls_neck': None, 'model.cls_head': None},
        )
