"""Tests of the verify step on prepared folders, sound and broken."""

import json
import runpy
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmcosa.cli.verify import verify_main
from mmcosa.datasets.converters import verify_prepared

TOOL = Path(__file__).parents[2] / 'tools' / 'dataset_converters' / 'verify.py'


@pytest.fixture
def prepared(busi_prepared, tmp_path):
    """A private copy of the converted BUSI phantom folder."""
    out = tmp_path / 'busi'
    shutil.copytree(busi_prepared[0], out)
    return out


def test_sound_folders_pass(busi_prepared, udiat_prepared):
    assert verify_prepared(busi_prepared[0]) == []
    assert verify_prepared(udiat_prepared[0]) == []


def test_unpaired_and_size_and_values(prepared):
    (prepared / 'masks' / 'benign_0005.png').unlink()
    Image.new('L', (10, 10)).save(prepared / 'masks' / 'ghost.png')
    Image.new('L', (33, 20)).save(prepared / 'masks' / 'benign_0006.png')
    arr = np.asarray(Image.open(prepared / 'masks' / 'benign_0007.png'))
    Image.fromarray(arr * 255).save(prepared / 'masks' / 'benign_0007.png')
    Image.new('L', (96, 72)).save(prepared / 'masks' / 'malignant_0002.png')
    Image.new('RGB', (96, 72)).save(prepared / 'masks' / 'benign_0008.png')
    problems = verify_prepared(prepared)
    expected = [
        'images/benign_0005.png: no mask masks/benign_0005.png',
        'masks/ghost.png: no image images/ghost.png',
        'masks/benign_0006.png: size 33x20 differs from '
        'images/benign_0006.png 96x72',
        'masks/benign_0007.png: values [255] outside {0, 1}',
        "masks/benign_0008.png: mode 'RGB', expected 'L'",
        'masks/malignant_0002.png: empty mask on a malignant (tumour) image',
    ]
    for e in expected:
        assert e in problems, (e, problems)


def test_labels_problems(prepared):
    lines = (prepared / 'labels.csv').read_text().splitlines()
    header, rows = lines[0], lines[1:]
    dropped = rows[0].split(',')[0]
    rows = rows[1:]
    rows[2] = rows[2].replace(',0,benign', ',7,benign')
    rows += ['nothere.png,0,benign', rows[1], 'benign_0099.png,1,benign']
    (prepared / 'labels.csv').write_text('\n'.join([header] + rows) + '\n')
    problems = verify_prepared(prepared)
    assert f'images/{dropped}: no row in labels.csv' in problems
    assert any(p.endswith('nothere.png has no image') for p in problems)
    assert any('listed again' in p for p in problems)
    assert any("label '7'" in p for p in problems)
    assert any(
        "class_name 'benign' does not match label 1" in p for p in problems
    )


def test_split_problems(prepared):
    split = prepared / 'splits'
    test0 = (split / 'fold_0_test.txt').read_text().split()
    train0 = (split / 'fold_0_train.txt').read_text().split()
    moved = train0[0]
    (split / 'fold_0_test.txt').write_text(
        '\n'.join(test0 + [moved, 'missing.png']) + '\n'
    )
    (split / 'fold_1_train.txt').write_text('\n'.join(train0[1:]) + '\n')
    (split / 'fold_4_test.txt').unlink()
    problems = verify_prepared(prepared)
    assert (
        'splits/fold_0_test.txt: missing.png is not a labelled image '
        'in images/' in problems
    )
    assert f'splits/fold_0: {moved} in both train and test' in problems
    assert 'splits/fold_4_test.txt: missing' in problems
    assert any(
        p.startswith('splits/fold_1: ') and 'neither' in p for p in problems
    )
    assert any(
        p.startswith(f'splits: {moved} in the test lists of folds')
        for p in problems
    )


def test_duplicate_group_split(prepared):
    split = prepared / 'splits'
    a = (split / 'fold_0_test.txt').read_text().split()[0]
    b = (split / 'fold_1_test.txt').read_text().split()[0]
    meta = json.loads((prepared / 'meta.json').read_text())
    meta['duplicate_groups'].append(dict(members=[a, b]))
    (prepared / 'meta.json').write_text(json.dumps(meta))
    assert verify_prepared(prepared) == [
        f"splits: duplicate group ['{a}', '{b}'] is split over test folds "
        f'[0, 1]'
    ]


def test_missing_pieces(tmp_path):
    assert verify_prepared(tmp_path / 'nope') == [
        f'{tmp_path / "nope"}: not a folder'
    ]
    (tmp_path / 'images').mkdir()
    (tmp_path / 'masks').mkdir()
    assert verify_prepared(tmp_path) == [
        'splits: missing',
        'labels.csv: missing',
        'meta.json: missing',
    ]


def test_cli(prepared, monkeypatch):
    assert verify_main([str(prepared)]) == 0
    (prepared / 'masks' / 'benign_0005.png').unlink()
    assert verify_main([str(prepared)]) == 1
    monkeypatch.setattr(sys, 'argv', ['verify.py', str(prepared)])
    with pytest.raises(SystemExit) as e:
        runpy.run_path(str(TOOL), run_name='__main__')
    assert e.value.code == 1


def test_labels_not_utf8(prepared):
    path = prepared / 'labels.csv'
    text = path.read_text()
    path.write_bytes(text.replace(',benign', ',bénign', 1).encode('cp1252'))
    offset = text.index(',benign') + 2
    problems = verify_prepared(prepared)
    assert problems[0] == (
        f'labels.csv: not UTF-8 text (byte 0xe9 at offset {offset}; a '
        f'Latin-1/cp1252 export?); re-save it as UTF-8 (iconv -f cp1252 -t '
        f'utf-8) or re-run the converter with --overwrite'
    )
    assert verify_main([str(prepared), '--dedup', 'none']) == 1
    path.write_bytes(b'\xef\xbb\xbf' + text.encode())  # a BOM is fine
    assert verify_prepared(prepared) == []
