"""The comparison tables of cross-validated runs and the paper."""

import json

import pytest

from mmcosa.evaluation.crossval import (
    build_comparison,
    method_label,
    summarise_folds,
)

from .fold_results import RESULTS, two_sets


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
    (work / 'summary.json').write_text(json.dumps(two_sets()))
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
