"""Raw BUSI / UDIAT folders with the real layouts' quirks, for tests.

Images are phantom renders (realistic speckle, so the duplicate detector
sees plausible distances); masks are stored in the mixed modes of BUSI.
Each writer returns the expected content per output name so tests can
compare what the converters wrote with what went in.
"""

import csv
import shutil
from collections import Counter
from pathlib import Path
from typing import Dict, Tuple

import cv2
import numpy as np
import pytest
from openpyxl import Workbook
from PIL import Image

from mmcosa.datasets.converters import convert_busi, convert_udiat
from mmcosa.datasets.phantom import generate_sample

SIZE = (72, 96)  # (H, W): tiny, but large enough for a 16x17 dHash
MASK_MODES = ('1', 'L', 'RGB', 'RGBA')


def _phantom(index: int, size=SIZE) -> Tuple[np.ndarray, np.ndarray]:
    s = generate_sample(7, index, img_size=size, p_second=0.0)
    return s['img'], s['mask'].astype(bool)


def save_mask(mask: np.ndarray, path: Path, mode: str) -> None:
    """Save a boolean mask as a 0/255 PNG stored in ``mode``."""
    grey = Image.fromarray(mask.astype(np.uint8) * 255)
    if mode == '1':
        grey.convert('1').save(path)
    elif mode == 'RGBA':
        rgba = grey.convert('RGBA')
        rgba.putalpha(255)
        rgba.save(path)
    else:
        grey.convert(mode).save(path)


def write_busi(
    root: Path, n_benign: int = 22, n_malignant: int = 11, n_normal: int = 3
) -> Dict[str, dict]:
    """Write ``root/Dataset_BUSI_with_GT`` and return the expected output.

    Quirks: RGB images, masks in 1-bit / L / RGB / RGBA, ``benign (2)``
    with ``_mask_1`` and ``_mask_2``, ``benign (4)`` a near duplicate of
    ``benign (3)`` (caliper mark), ``malignant (1)`` a byte copy of
    ``benign (1)`` (a cross-class conflict), empty masks on normals.

    Returns:
        dict: output name -> ``label``, ``mask`` (bool, H x W), ``img``
        (uint8 grey), ``group`` (duplicate group tag or None).
    """
    base = root / 'Dataset_BUSI_with_GT'
    expected: Dict[str, dict] = {}
    index = 0
    for cls, label, n in (
        ('benign', 0, n_benign),
        ('malignant', 1, n_malignant),
        ('normal', 2, n_normal),
    ):
        folder = base / cls
        folder.mkdir(parents=True)
        for i in range(1, n + 1):
            img, mask = _phantom(index)
            index += 1
            group = None
            if cls == 'normal':
                mask = np.zeros_like(mask)
            if cls == 'benign' and i == 4:
                img, mask = (
                    expected['benign_0003']['img'].copy(),
                    expected['benign_0003']['mask'].copy(),
                )
                cv2.drawMarker(img, (20, 15), 255, cv2.MARKER_CROSS, 6, 1)
                group = 'near'
                expected['benign_0003']['group'] = 'near'
            stem = f'{cls} ({i})'
            if cls == 'malignant' and i == 1:
                shutil.copyfile(
                    base / 'benign' / 'benign (1).png', folder / f'{stem}.png'
                )
                img = expected['benign_0001']['img']
                group = 'conflict'
                expected['benign_0001']['group'] = 'conflict'
            else:
                Image.fromarray(img).convert('RGB').save(
                    folder / f'{stem}.png'
                )
            mode = MASK_MODES[(index + i) % len(MASK_MODES)]
            save_mask(mask, folder / f'{stem}_mask.png', mode)
            if cls == 'benign' and i == 2:
                extra1 = np.zeros_like(mask)
                extra1[2:8, 2:10] = True
                extra2 = np.zeros_like(mask)
                extra2[-8:-2, -10:-2] = True
                save_mask(extra1, folder / f'{stem}_mask_1.png', 'L')
                save_mask(extra2, folder / f'{stem}_mask_2.png', 'RGBA')
                mask = mask | extra1 | extra2
            expected[f'{cls}_{i:04d}'] = dict(
                label=label, mask=mask, img=img, group=group
            )
    (base / '.DS_Store').write_bytes(b'\0\0')
    return expected


def write_udiat(
    root: Path, n_benign: int = 12, n_malignant: int = 6, sheet: str = 'xlsx'
) -> Dict[str, dict]:
    """Write a UDIAT Dataset B folder and return the expected output.

    Quirks: grey images, ids written as numbers (``1``) and as text
    (``'000002'``), a legend in the columns right of the data and in rows
    below it, an exact duplicate pair within the benign class.

    Returns:
        dict: output name -> ``label``, ``mask``, ``img``, ``diagnosis``,
        ``group``.
    """
    (root / 'original').mkdir(parents=True)
    (root / 'GT').mkdir()
    expected: Dict[str, dict] = {}
    rows = []
    labels = [0] * n_benign + [1] * n_malignant
    rng = np.random.default_rng(3)
    rng.shuffle(labels)
    diag = {0: ('CYST', 'FA', 'LN'), 1: ('IDC', 'DCIS', 'ILC')}
    first_benign = None
    for i, label in enumerate(labels, start=1):
        name = f'{i:06d}'
        img, mask = _phantom(1000 + i, size=(80, 104))
        group = None
        if label == 0 and first_benign is None:
            first_benign = name
        elif label == 0 and expected[first_benign]['group'] is None:
            img = expected[first_benign]['img'].copy()
            mask = expected[first_benign]['mask'].copy()
            group = expected[first_benign]['group'] = 'exact'
        Image.fromarray(img).save(root / 'original' / f'{name}.png')
        save_mask(mask, root / 'GT' / f'{name}.png', 'L')
        d = diag[label][i % 3]
        expected[name] = dict(
            label=label, mask=mask, img=img, diagnosis=d, group=group
        )
        rows.append(
            [i if i % 2 else name, 'Benign' if label == 0 else 'Malignant', d]
        )
    header = ['Image', 'Type', 'Diagnosis', None, 'Legend', 'Meaning']
    legend = [['CYST', 'cyst'], ['FA', 'fibroadenoma'], ['IDC', 'ductal']]
    table = [header]
    for k, r in enumerate(rows):
        table.append(
            r + [None] + (legend[k] if k < len(legend) else [None, None])
        )
    table.append([None, None, None, None, 'UNK', 'unknown'])
    if sheet == 'xlsx':
        wb = Workbook()
        ws = wb.active
        for r in table:
            ws.append(r)
        wb.save(root / 'DatasetB.xlsx')
    else:
        with open(root / 'DatasetB.csv', 'w', newline='') as f:
            csv.writer(f, delimiter=';').writerows(
                [['' if c is None else c for c in r] for r in table]
            )
    return expected


@pytest.fixture(scope='session')
def make_busi():
    """The BUSI-layout writer :func:`write_busi`."""
    return write_busi


@pytest.fixture(scope='session')
def make_udiat():
    """The UDIAT-layout writer :func:`write_udiat`."""
    return write_udiat


@pytest.fixture(scope='session')
def busi_raw(tmp_path_factory):
    """(raw folder, expected) for a BUSI-layout phantom folder."""
    root = tmp_path_factory.mktemp('busi_raw')
    return root, write_busi(root)


@pytest.fixture(scope='session')
def udiat_raw(tmp_path_factory):
    """(raw folder, expected) for a UDIAT-layout phantom folder."""
    root = tmp_path_factory.mktemp('udiat_raw') / 'DatasetB'
    return root, write_udiat(root)


@pytest.fixture(scope='session')
def busi_prepared(busi_raw, tmp_path_factory):
    """(prepared folder, summary, expected) from the BUSI converter."""
    raw, expected = busi_raw
    out = tmp_path_factory.mktemp('busi_out') / 'busi'
    summary = convert_busi(raw, out, progress=False)
    return out, summary, expected


@pytest.fixture(scope='session')
def udiat_prepared(udiat_raw, tmp_path_factory):
    """(prepared folder, summary, expected) from the UDIAT converter."""
    raw, expected = udiat_raw
    out = tmp_path_factory.mktemp('udiat_out') / 'udiat'
    summary = convert_udiat(raw, out, progress=False)
    return out, summary, expected


PHANTOM_SIZES = ((64, 96), (80, 120))  # small raw images keep tests fast


@pytest.fixture(scope='session')
def phantom_busi(tmp_path_factory):
    """(manifest, prepared folder, summary) for Data A's BUSI phantom."""
    from mmcosa.datasets.phantom.raw import make_phantom_raw

    base = tmp_path_factory.mktemp('phantom_busi')
    manifest = make_phantom_raw(
        base / 'raw', 'busi', num=30, seed=1, size_range=PHANTOM_SIZES
    )
    summary = convert_busi(base / 'raw', base / 'busi', progress=False)
    return manifest, base / 'busi', summary


@pytest.fixture(scope='session')
def phantom_udiat(tmp_path_factory):
    """(manifest, prepared folder, summary) for Data A's UDIAT phantom."""
    from mmcosa.datasets.phantom.raw import make_phantom_raw

    base = tmp_path_factory.mktemp('phantom_udiat')
    manifest = make_phantom_raw(
        base / 'raw',
        'udiat',
        num=16,
        seed=1,
        size_range=PHANTOM_SIZES,
        write_csv=True,
    )
    summary = convert_udiat(base / 'raw', base / 'udiat', progress=False)
    return manifest, base / 'udiat', summary


def _read_split(out, k, split):
    return (out / 'splits' / f'fold_{k}_{split}.txt').read_text().split()


def _check_folds(out, labels, num_folds, groups):
    """Disjoint, covering, groups intact, class ratio within one image."""
    names = set(labels)
    fold_of = {}
    for k in range(num_folds):
        train, test = _read_split(out, k, 'train'), _read_split(out, k, 'test')
        assert len(set(train)) == len(train)
        assert len(set(test)) == len(test)
        assert not set(train) & set(test)
        assert set(train) | set(test) == names
        for n in test:
            assert n not in fold_of, f'{n} tested twice'
            fold_of[n] = k
    assert set(fold_of) == names
    for group in groups:
        assert len({fold_of[m] for m in group}) == 1, group
    totals = Counter(labels.values())
    for k in range(num_folds):
        per_class = Counter(labels[n] for n, f in fold_of.items() if f == k)
        for c, n in totals.items():
            assert abs(per_class[c] - n / num_folds) <= 1, (k, c)


@pytest.fixture(scope='session')
def check_folds():
    """Assert a prepared folder's folds: disjoint, covering, duplicate
    groups intact, class counts within one image of the ratio."""
    return _check_folds
