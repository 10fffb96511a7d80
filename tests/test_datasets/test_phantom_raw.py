"""Tests of the phantom's RAW writers (real BUSI / UDIAT layouts)."""

import csv
import json
import logging
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.logging import MMLogger
from openpyxl import load_workbook
from PIL import Image

from mmcosa.cli.phantom import make_phantom_main
from mmcosa.datasets.phantom import (
    BUSI_DIR,
    UDIAT_LEGEND,
    atomic_output_dir,
    make_phantom_raw,
)
from mmcosa.datasets.phantom import raw as raw_module

SMALL = ((64, 80), (72, 100))  # image heights and widths
BUSI_NAME = re.compile(
    r'^(benign|malignant|normal) \((\d+)\)(_mask(_\d)?)?\.png$'
)


@pytest.fixture(scope='module')
def busi(tmp_path_factory):
    out = tmp_path_factory.mktemp('raw') / 'busi'
    return out, make_phantom_raw(out, 'busi', num=12, seed=1, size_range=SMALL)


@pytest.fixture(scope='module')
def udiat(tmp_path_factory):
    out = tmp_path_factory.mktemp('raw') / 'udiat'
    return out, make_phantom_raw(
        out, 'udiat', num=8, seed=1, size_range=SMALL, write_csv=True
    )


def _grey(path: Path) -> np.ndarray:
    return np.array(Image.open(path).convert('L'))


def test_busi_tree_and_names(busi):
    out, manifest = busi
    root = out / BUSI_DIR
    assert manifest['root'] == str(root)
    assert sorted(p.name for p in out.iterdir()) == [BUSI_DIR]
    assert sorted(p.name for p in root.iterdir()) == [
        'benign',
        'malignant',
        'normal',
    ]
    files = sorted(
        p.relative_to(root).as_posix() for p in root.rglob('*') if p.is_file()
    )
    assert all(BUSI_NAME.match(Path(f).name) for f in files), files
    images = [f for f in files if '_mask' not in f]
    # 12 rendered in BUSI's class proportions, plus 3 benign and 1
    # malignant older near duplicates, 2 copies of each of the 5 same-frame
    # kinds in their source's folder (benign 3, malignant 5, normal 2), 2
    # sector views and crops, 2 x 2 sweep frames and 1 exact (benign ->
    # malignant) copy
    assert manifest['rendered'] == dict(benign=7, malignant=3, normal=2)
    assert manifest['counts'] == dict(benign=17, malignant=14, normal=4)
    assert len(images) == 35 == len(manifest['files'])
    assert manifest['counts'] == {
        c: len([f for f in images if f.startswith(f'{c}/')])
        for c in ('benign', 'malignant', 'normal')
    }
    for f in manifest['files']:
        assert f['path'] in images
        assert f['masks'][0] == f['path'][:-4] + '_mask.png'
    assert any(f.endswith('_mask_1.png') for f in files)
    assert any(f.endswith('_mask_2.png') for f in files)
    # no temporary folder left beside the output
    assert [p.name for p in out.parent.iterdir()] == ['busi']


def test_busi_images_and_masks(busi):
    out, manifest = busi
    root = Path(manifest['root'])
    modes, sizes = set(), set()
    for f in manifest['files']:
        img = Image.open(root / f['path'])
        assert img.mode == 'RGB'
        sizes.add(img.size)
        union = np.zeros(img.size[::-1], bool)
        for m, mode in zip(f['masks'], f['mask_modes']):
            mask = Image.open(root / m)
            assert mask.mode == mode and mask.size == img.size
            modes.add(mode)
            values = _grey(root / m)
            assert set(np.unique(values)) <= {0, 255}
            union |= values > 0
        if f['path'].startswith('normal/'):
            assert not union.any() and len(f['masks']) == 1
        else:
            assert union.any()
    assert modes == {'1', 'L', 'RGB', 'RGBA'}
    assert len(sizes) > 5  # many image sizes


def test_busi_duplicates(busi):
    _, manifest = busi
    root = Path(manifest['root'])
    [[a, b]] = manifest['exact_duplicates']
    assert a.startswith('benign/') and b.startswith('malignant/')
    assert (root / a).read_bytes() == (root / b).read_bytes()
    cross = [
        [p['a'], p['b']]
        for p in manifest['duplicate_pairs']
        if p['kind'] == 'cross_class'
    ]
    assert len(cross) == 2
    # at this size sources are reused, so groups can hold more than a pair
    assert manifest['conflicts'][0] == [a, b]
    for pair in cross:
        assert any(set(pair) <= set(g) for g in manifest['conflicts'][1:])
    older = [
        p
        for p in manifest['duplicate_pairs']
        if p['kind'] in ('reencoded', 'resized', 'brightness')
    ]
    assert [p['kind'] for p in older] == [
        'reencoded',
        'resized',
        'brightness',
        'resized',
    ]
    for p in older:
        src, dup = p['a'], p['b']
        assert [src, dup] in manifest['near_duplicates']
        assert src.split('/')[0] == dup.split('/')[0]  # same class
        x, y = _grey(root / src), _grey(root / dup)
        assert (root / src).read_bytes() != (root / dup).read_bytes()
        y = cv2.resize(y, x.shape[::-1], interpolation=cv2.INTER_AREA)
        assert np.corrcoef(x.ravel(), y.ravel())[0, 1] > 0.9
    # every kind still made at this small size, masks of the image's size
    kinds = {p['kind'] for p in manifest['duplicate_pairs']}
    assert len(kinds) == 11
    assert len(manifest['text_traps']) >= 2


def test_udiat_layout(udiat):
    out, manifest = udiat
    assert manifest['root'] == str(out)
    assert sorted(p.name for p in out.iterdir()) == [
        'DatasetB.csv',
        'DatasetB.xlsx',
        'GT',
        'original',
    ]
    names = sorted(p.name for p in (out / 'original').iterdir())
    assert names == [f'{k:06d}.png' for k in range(1, 9)]
    assert sorted(p.name for p in (out / 'GT').iterdir()) == names
    for name in names:
        img = Image.open(out / 'original' / name)
        gt = Image.open(out / 'GT' / name)
        assert img.mode == 'L' and gt.size == img.size
        assert set(np.unique(np.array(gt))) == {0, 255}
    ws = load_workbook(out / 'DatasetB.xlsx').active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ['Image', 'Type', 'Diagnosis', None, 'Legend', 'Meaning']
    data = [r[:3] for r in rows[1:] if r[0] is not None]
    assert [r[0] for r in data] == [n[:-4] for n in names]
    assert {r[1] for r in data} == {'Benign', 'Malignant'}
    codes = {code for code, _ in UDIAT_LEGEND}
    assert all(r[2] in codes for r in data)
    assert [tuple(r[4:6]) for r in rows[1 : len(UDIAT_LEGEND) + 1]] == list(
        UDIAT_LEGEND
    )
    by_name = {f['path']: f for f in manifest['files']}
    for r in data:
        f = by_name[f'original/{r[0]}.png']
        assert r[1] == ('Benign', 'Malignant')[f['label']]
    with open(out / 'DatasetB.csv', newline='') as fh:
        table = list(csv.reader(fh))
    assert table[0] == ['Image', 'Type', 'Diagnosis', '', 'Legend', 'Meaning']
    assert [r[:3] for r in table[1 : len(data) + 1]] == data


def test_udiat_pixel_identical_pair_within_a_class(udiat):
    out, manifest = udiat
    [[a, b]] = manifest['exact_duplicates']
    assert (out / a).read_bytes() != (out / b).read_bytes()
    assert np.array_equal(_grey(out / a), _grey(out / b))
    labels = {f['path']: f['label'] for f in manifest['files']}
    assert labels[a] == labels[b]


def test_writer_is_deterministic(udiat, tmp_path):
    out, _ = udiat
    again = make_phantom_raw(
        tmp_path / 'u2', 'udiat', num=8, seed=1, size_range=SMALL
    )
    for name in ('original/000003.png', 'GT/000003.png'):
        assert (out / name).read_bytes() == (
            Path(again['root']) / name
        ).read_bytes()


def test_refuses_non_empty_output_and_accepts_empty(tmp_path):
    out = tmp_path / 'x'
    out.mkdir()
    (out / 'keep.txt').write_text('mine')
    with pytest.raises(FileExistsError, match='not empty; choose a new'):
        make_phantom_raw(out, 'udiat', num=6, size_range=SMALL)
    assert (out / 'keep.txt').read_text() == 'mine'
    empty = tmp_path / 'empty'
    empty.mkdir()
    make_phantom_raw(empty, 'udiat', num=6, size_range=SMALL)
    assert (empty / 'DatasetB.xlsx').is_file()


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):

    def broken(root, **kwargs):
        (root / 'original').mkdir()
        raise RuntimeError('disk full')

    monkeypatch.setattr(raw_module, 'write_udiat_raw', broken)
    with pytest.raises(RuntimeError, match='disk full'):
        make_phantom_raw(tmp_path / 'out', 'udiat', num=6)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match='boom'):
        with atomic_output_dir(tmp_path / 'y') as tmp:
            (tmp / 'a').write_text('a')
            raise ValueError('boom')
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    'kwargs, err, match',
    [
        (dict(layout='kaggle'), ValueError, 'layout must be one of'),
        (dict(num=5), ValueError, 'num must be >= 10 for the busi'),
        (dict(layout='udiat', num=3), ValueError, 'num must be >= 6'),
        (dict(num=12.5), TypeError, 'num must be an int'),
        (dict(write_csv=True), ValueError, 'udiat layout only'),
    ],
)
def test_make_phantom_raw_argument_errors(tmp_path, kwargs, err, match):
    with pytest.raises(err, match=match):
        make_phantom_raw(tmp_path / 'o', **kwargs)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def logged():
    """Messages logged through mmengine's current logger during a test."""
    logger = MMLogger.get_current_instance()
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


def test_make_phantom_command_busi_manifest(tmp_path, logged):
    out, manifest = tmp_path / 'cmd', tmp_path / 'truth.json'
    argv = [str(out), '--num', '10', '--seed', '3', '--manifest']
    assert make_phantom_main(argv + [str(manifest)]) == 0
    truth = json.loads(manifest.read_text())
    assert truth['root'] == str(out / BUSI_DIR)
    assert len(truth['files']) == 33
    for p in truth['duplicate_pairs']:
        assert (out / BUSI_DIR / p['b']).is_file()
        assert np.array(p['transform']).shape == (2, 3)
    log = logged[-1]
    assert '17 same frame, 2 same lesion' in log
    assert 'text traps' in log and 'with calipers or text' in log
    with pytest.raises(SystemExit) as exc:  # the manifest is not replaced
        make_phantom_main([str(tmp_path / 'new')] + argv[1:] + [str(manifest)])
    assert exc.value.code == 1
    assert not (tmp_path / 'new').exists()


def test_make_phantom_command(tmp_path, capsys):
    out = tmp_path / 'cmd'
    assert (
        make_phantom_main(
            [str(out), '--layout', 'udiat', '--num', '6', '--seed', '2']
        )
        == 0
    )
    assert len(list((out / 'original').iterdir())) == 6
    with pytest.raises(SystemExit) as exc:
        make_phantom_main([str(out), '--layout', 'udiat'])
    assert exc.value.code == 1
    assert 'already exists and is not empty' in capsys.readouterr().err


def test_busi_converter_reads_the_phantom_folder(busi, tmp_path):
    converters = pytest.importorskip('mmcosa.datasets.converters')
    _, manifest = busi
    summary = converters.convert_busi(
        Path(manifest['root']), tmp_path / 'prep', progress=False
    )
    assert not summary.skipped

    def prepared_name(path):  # 'benign/benign (2).png' -> benign_0002.png
        cls, num = re.match(r'(\w+)/\w+ \((\d+)\)', path).groups()
        return f'{cls}_{int(num):04d}.png'

    # the cross-class byte copy is a conflict and left out by default
    [exact] = manifest['exact_duplicates']
    assert set(map(prepared_name, exact)) <= set(summary.excluded_conflicts)
    # what the converter groups lies within one group of the ground truth
    # (how many true pairs it finds at this tiny size is the detector's
    # business: tests/test_datasets/test_duplicates.py)
    truth = [
        set(map(prepared_name, g))
        for g in manifest['exact_duplicates'] + manifest['near_duplicates']
    ]
    for group in summary.duplicate_groups:
        assert any(set(group['members']) <= g for g in truth), group


def test_udiat_converter_reads_the_phantom_folder(udiat, tmp_path):
    converters = pytest.importorskip('mmcosa.datasets.converters')
    out, manifest = udiat
    summary = converters.convert_udiat(out, tmp_path / 'prep', progress=False)
    assert summary.counts == manifest['counts']
    [group] = summary.duplicate_groups
    assert group['level'] == 'same_frame' and not group['conflict']
    assert sorted(group['members']) == sorted(
        udiat_name
        for udiat_name in (
            p.split('/')[-1] for p in manifest['exact_duplicates'][0]
        )
    )
    assert not summary.skipped
