"""End-to-end tests of the BUSI and UDIAT converters on phantom folders."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

from mmcosa.datasets.converters import convert_busi, convert_udiat


def read_labels(out):
    with open(out / 'labels.csv', newline='') as f:
        return list(csv.DictReader(f))


def read_split(out, k, split):
    return (out / 'splits' / f'fold_{k}_{split}.txt').read_text().split()


def test_busi_content(busi_prepared, check_folds):
    out, summary, expected = busi_prepared
    rows = read_labels(out)
    # the benign/malignant byte copy is a conflict: both excluded
    kept = {
        n: e
        for n, e in expected.items()
        if e['label'] != 2 and e['group'] != 'conflict'
    }
    assert {r['filename'] for r in rows} == {f'{n}.png' for n in kept}
    assert sorted(p.name for p in (out / 'images').iterdir()) == sorted(
        f'{n}.png' for n in kept
    )
    for r in rows:
        e = kept[r['filename'][:-4]]
        assert int(r['label']) == e['label']
        assert r['class_name'] == ('benign', 'malignant')[e['label']]
        img = np.asarray(Image.open(out / 'images' / r['filename']))
        np.testing.assert_array_equal(img[..., 0], e['img'])
        mask = Image.open(out / 'masks' / r['filename'])
        assert mask.mode == 'L'
        np.testing.assert_array_equal(np.asarray(mask), e['mask'])
    assert summary.counts == {'benign': 21, 'malignant': 10}
    assert summary.excluded == {'normal': 3}
    assert list(summary.merged_masks) == ['benign_0002.png']
    assert len(summary.merged_masks['benign_0002.png']) == 3
    assert summary.excluded_conflicts == [
        'benign_0001.png',
        'malignant_0001.png',
    ]
    assert [g['members'] for g in summary.conflicts] == [
        ['benign_0001.png', 'malignant_0001.png']
    ]
    near = [g for g in summary.duplicate_groups if not g['conflict']]
    assert [g['members'] for g in near] == [
        ['benign_0003.png', 'benign_0004.png']
    ]
    assert near[0]['level'] == 'same_frame'
    (link,) = near[0]['links']
    assert link['members'] == near[0]['members']
    assert link['method'] == 'keypoints' and link['inliers'] >= 12
    assert link['offset_difference'] <= 3 and link['correlation'] >= 0.9
    # the conflict is a byte-identical copy across class folders
    (conflict,) = summary.conflicts
    assert [k['method'] for k in conflict['links']] == ['identical']
    assert any('.DS_Store' in s for s in summary.skipped)
    labels = {r['filename']: int(r['label']) for r in rows}
    check_folds(out, labels, 5, [g['members'] for g in near])
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['source'] == 'BUSI'
    assert meta['num_folds'] == 5 and meta['seed'] == 0
    assert meta['counts'] == {'benign': 21, 'malignant': 10}
    assert meta['sources']['benign_0012.png'] == 'benign/benign (12).png'
    assert 'closest dHashes not grouped' in summary.format()


def test_busi_keep_normal_and_conflicts(busi_raw, tmp_path, check_folds):
    raw, expected = busi_raw
    s = convert_busi(
        raw,
        tmp_path / 'o',
        keep_normal=True,
        keep_conflicts=True,
        num_folds=3,
        seed=1,
        progress=False,
    )
    assert s.counts == {'benign': 22, 'malignant': 11, 'normal': 3}
    assert s.excluded == {} and s.excluded_conflicts == []
    rows = {r['filename']: r for r in read_labels(tmp_path / 'o')}
    assert rows['normal_0001.png']['label'] == '2'
    assert rows['normal_0001.png']['class_name'] == 'normal'
    mask = np.asarray(Image.open(tmp_path / 'o' / 'masks' / 'normal_0001.png'))
    assert not mask.any()
    labels = {n: int(r['label']) for n, r in rows.items()}
    check_folds(
        tmp_path / 'o', labels, 3, [g['members'] for g in s.duplicate_groups]
    )


def test_folds_deterministic(busi_raw, busi_prepared, tmp_path):
    raw, _ = busi_raw
    out, _, _ = busi_prepared
    convert_busi(raw, tmp_path / 'same', progress=False, workers=3)
    convert_busi(raw, tmp_path / 'other', seed=5, progress=False)
    same = [read_split(tmp_path / 'same', k, 'test') for k in range(5)]
    ref = [read_split(out, k, 'test') for k in range(5)]
    other = [read_split(tmp_path / 'other', k, 'test') for k in range(5)]
    assert same == ref  # same seed, any number of workers
    assert (tmp_path / 'same' / 'labels.csv').read_text() == (
        out / 'labels.csv'
    ).read_text()
    assert other != ref


def test_exact_threshold_only(busi_raw, tmp_path):
    raw, _ = busi_raw
    s = convert_busi(
        raw, tmp_path / 'o', dedup='hash', dup_threshold=0, progress=False
    )
    # pixel-identical files are grouped whatever the threshold
    assert ['benign_0001.png', 'malignant_0001.png'] in [
        g['members'] for g in s.duplicate_groups
    ]
    links = [k for g in s.duplicate_groups for k in g['links']]
    assert links and all(k['hash_distance'] == 0 for k in links)
    meta = json.loads((tmp_path / 'o' / 'meta.json').read_text())
    assert meta['duplicates']['mode'] == 'hash'
    assert meta['duplicates']['hash_threshold'] == 0


def test_dedup_none_groups_nothing(busi_raw, tmp_path):
    raw, _ = busi_raw
    s = convert_busi(raw, tmp_path / 'o', dedup='none', progress=False)
    assert s.duplicate_groups == [] and s.excluded_conflicts == []
    assert 'not searched (--dedup none)' in s.format()
    with pytest.raises(ValueError, match='dedup must be one of'):
        convert_busi(raw, tmp_path / 'p', dedup='fast', progress=False)


def test_udiat_content(udiat_prepared, check_folds):
    out, summary, expected = udiat_prepared
    rows = read_labels(out)
    assert [r['filename'] for r in rows] == [
        f'{n}.png' for n in sorted(expected)
    ]
    for r in rows:
        e = expected[r['filename'][:-4]]
        assert int(r['label']) == e['label']
        assert r['diagnosis'] == e['diagnosis']
        img = Image.open(out / 'images' / r['filename'])
        assert img.mode == 'L'
        np.testing.assert_array_equal(np.asarray(img), e['img'])
        np.testing.assert_array_equal(
            np.asarray(Image.open(out / 'masks' / r['filename'])), e['mask']
        )
    assert summary.counts == {'benign': 12, 'malignant': 6}
    exact = [n for n, e in expected.items() if e['group'] == 'exact']
    assert [g['members'] for g in summary.duplicate_groups] == [
        [f'{n}.png' for n in sorted(exact)]
    ]
    assert [k['method'] for k in summary.duplicate_groups[0]['links']] == [
        'identical'
    ]
    labels = {r['filename']: int(r['label']) for r in rows}
    check_folds(
        out, labels, 5, [g['members'] for g in summary.duplicate_groups]
    )


def test_udiat_csv_labels(make_udiat, tmp_path):
    raw = tmp_path / 'raw'
    expected = make_udiat(raw, n_benign=6, n_malignant=4, sheet='csv')
    s = convert_udiat(raw, tmp_path / 'o', num_folds=2, progress=False)
    assert s.counts == {'benign': 6, 'malignant': 4}
    rows = {r['filename']: r for r in read_labels(tmp_path / 'o')}
    for n, e in expected.items():
        assert int(rows[f'{n}.png']['label']) == e['label']


def test_num_folds_checked(busi_raw, tmp_path):
    raw, _ = busi_raw
    with pytest.raises(ValueError, match='num_folds must be an int >= 2'):
        convert_busi(raw, tmp_path / 'o', num_folds=1, progress=False)
    assert not (tmp_path / 'o').exists()


def test_workers_checked(busi_raw, tmp_path):
    with pytest.raises(ValueError, match='workers must be an int >= 1'):
        convert_busi(busi_raw[0], tmp_path / 'o', workers=0)
