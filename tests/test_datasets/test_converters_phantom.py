"""Converters and verify on the phantom folders written by
``make_phantom_raw`` in the downloaded BUSI and UDIAT layouts; the
writer's manifest says which files are duplicates and conflicts."""

import csv
import re

import numpy as np
from PIL import Image

from mmcosa.datasets.converters import convert_udiat, verify_prepared


def busi_name(path):
    cls, idx = re.match(r'(\w+)/\w+ \((\d+)\)\.png', path).groups()
    return f'{cls}_{int(idx):04d}.png'


def udiat_name(path):
    return path.split('/')[-1]


def read_labels(root):
    with open(root / 'labels.csv', newline='') as f:
        return {r['filename']: r for r in csv.DictReader(f)}


def union(paths, root):
    masks = [
        np.asarray(Image.open(f'{root}/{p}').convert('L')) > 0 for p in paths
    ]
    return np.logical_or.reduce(masks)


def test_busi_phantom(phantom_busi, check_folds):
    manifest, out, summary = phantom_busi
    assert verify_prepared(out) == []
    raw = manifest['root']
    conflicts = {busi_name(p) for g in manifest['conflicts'] for p in g}
    files = [f for f in manifest['files'] if f['label'] != 2]
    kept = {busi_name(f['path']): f for f in files}
    kept = {n: f for n, f in kept.items() if n not in conflicts}
    labels = read_labels(out)
    assert set(labels) == set(kept)
    for name, f in kept.items():
        assert int(labels[name]['label']) == f['label']
        img = np.asarray(Image.open(out / 'images' / name))
        np.testing.assert_array_equal(
            img, np.asarray(Image.open(f'{raw}/{f["path"]}'))
        )
        mask = np.asarray(Image.open(out / 'masks' / name))
        np.testing.assert_array_equal(mask, union(f['masks'], raw))
    # normal images are not converted (no --keep-normal)
    expected_groups = sorted(
        sorted(busi_name(p) for p in g if not p.startswith('normal/'))
        for g in manifest['exact_duplicates'] + manifest['near_duplicates']
    )
    expected_groups = [g for g in expected_groups if len(g) > 1]
    assert (
        sorted(g['members'] for g in summary.duplicate_groups)
        == expected_groups
    )
    assert sorted(summary.excluded_conflicts) == sorted(conflicts)
    assert summary.merged_masks == {
        busi_name(f['path']): f['masks']
        for f in files
        if len(f['masks']) > 1 and busi_name(f['path']) not in conflicts
    }
    check_folds(
        out,
        {n: int(r['label']) for n, r in labels.items()},
        5,
        [g['members'] for g in summary.duplicate_groups if not g['conflict']],
    )


def test_udiat_phantom(phantom_udiat, tmp_path, check_folds):
    manifest, out, summary = phantom_udiat
    assert verify_prepared(out) == []
    labels = read_labels(out)
    files = {udiat_name(f['path']): f for f in manifest['files']}
    assert set(labels) == set(files)
    for name, f in files.items():
        assert int(labels[name]['label']) == f['label']
        assert labels[name]['diagnosis'] == f['diagnosis']
        np.testing.assert_array_equal(
            np.asarray(Image.open(out / 'masks' / name)),
            union([f['mask']], manifest['root']),
        )
    assert sorted(g['members'] for g in summary.duplicate_groups) == sorted(
        sorted(udiat_name(p) for p in g) for g in manifest['exact_duplicates']
    )
    check_folds(
        out,
        {n: int(r['label']) for n, r in labels.items()},
        5,
        [g['members'] for g in summary.duplicate_groups],
    )
    # the CSV export gives the same prepared data
    csv_out = tmp_path / 'csv'
    convert_udiat(
        manifest['root'],
        csv_out,
        labels=f'{manifest["root"]}/DatasetB.csv',
        progress=False,
    )
    assert (csv_out / 'labels.csv').read_text() == (
        out / 'labels.csv'
    ).read_text()
    for k in range(5):
        name = f'fold_{k}_test.txt'
        assert (csv_out / 'splits' / name).read_text() == (
            out / 'splits' / name
        ).read_text()
