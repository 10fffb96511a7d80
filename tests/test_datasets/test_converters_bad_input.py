"""Bad input: every case is refused with a message naming the file."""

import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmcosa.cli.convert import busi_main, udiat_main
from mmcosa.datasets.converters import (
    ConversionError,
    convert_busi,
    convert_udiat,
)

TOOLS = Path(__file__).parents[2] / 'tools' / 'dataset_converters'


def busi(make_busi, tmp_path):
    raw = tmp_path / 'raw'
    make_busi(raw, n_benign=6, n_malignant=5, n_normal=1)
    return raw, raw / 'Dataset_BUSI_with_GT'


def assert_nothing_written(tmp_path, out):
    assert not out.exists()
    leftovers = [
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith(f'.{out.name}.')
    ]
    assert leftovers == []


def convert_fails(raw, out, match, **kw):
    with pytest.raises(ConversionError, match=match) as e:
        convert_busi(raw, out, num_folds=2, progress=False, **kw)
    return str(e.value)


def test_corrupt_image(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    bad = base / 'benign' / 'benign (3).png'
    bad.write_bytes(b'not a png at all')
    msg = convert_fails(raw, tmp_path / 'out', 'cannot be read as an image')
    assert str(bad) in msg and '--skip-bad' in msg
    assert_nothing_written(tmp_path, tmp_path / 'out')


def test_truncated_image(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    bad = base / 'malignant' / 'malignant (2).png'
    bad.write_bytes(bad.read_bytes()[:200])
    msg = convert_fails(raw, tmp_path / 'out', 'cannot be read as an image')
    assert str(bad) in msg


def test_non_image_file(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    (base / 'benign' / 'notes.txt').write_text('x')
    convert_fails(
        raw,
        tmp_path / 'out',
        re.escape(str(base / 'benign' / 'notes.txt')) + ': not an image file',
    )


def test_mask_missing(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    (base / 'benign' / 'benign (5)_mask.png').unlink()
    msg = convert_fails(raw, tmp_path / 'out', 'mask missing')
    assert 'benign (5).png' in msg and 'benign (5)_mask.png' in msg


def test_orphan_mask(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    (base / 'benign' / 'benign (5).png').unlink()
    convert_fails(
        raw, tmp_path / 'out', r'benign \(5\)_mask.png: mask without an image'
    )


def test_mask_size_mismatch(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    m = base / 'malignant' / 'malignant (3)_mask.png'
    Image.new('L', (50, 40)).save(m)
    msg = convert_fails(raw, tmp_path / 'out', r'mask is 50x40 \(WxH\) but')
    assert str(m) in msg and 'malignant (3).png is 96x72' in msg


@pytest.mark.parametrize('mode', ['L', 'RGB', 'RGBA', 'P'])
def test_mask_not_binary(make_busi, tmp_path, mode):
    raw, base = busi(make_busi, tmp_path)
    m = base / 'benign' / 'benign (6)_mask.png'
    arr = np.zeros((72, 96), np.uint8)
    arr[10:30, 10:40] = 255
    arr[10:30, 40:45] = 128  # anti-aliased edge
    Image.fromarray(arr).convert(mode).save(m)
    msg = convert_fails(
        raw, tmp_path / 'out', r'besides 0 and 255.*128|128.*besides 0 and 255'
    )
    assert str(m) in msg and f"mode '{mode}'" in msg


def test_mask_coloured(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    m = base / 'benign' / 'benign (6)_mask.png'
    arr = np.zeros((72, 96, 3), np.uint8)
    arr[10:30, 10:40, 0] = 255  # pure red
    Image.fromarray(arr).save(m)
    convert_fails(raw, tmp_path / 'out', 'coloured pixels')


def test_empty_mask_on_tumour(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    Image.new('L', (96, 72)).save(
        base / 'malignant' / 'malignant (4)_mask.png'
    )
    convert_fails(
        raw,
        tmp_path / 'out',
        r'mask is empty but malignant \(4\).png is labelled '
        r'malignant',
    )


def test_unknown_class_folder(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    (base / 'unsure').mkdir()
    img = base / 'unsure' / 'case (1).png'
    Image.new('RGB', (96, 72)).save(img)
    msg = convert_fails(raw, tmp_path / 'out', "unknown class folder 'unsure'")
    assert str(img) in msg


def test_not_busi(tmp_path):
    (tmp_path / 'raw' / 'stuff').mkdir(parents=True)
    with pytest.raises(ConversionError, match='no benign/ or malignant/'):
        convert_busi(tmp_path / 'raw', tmp_path / 'out', progress=False)


def test_all_problems_in_one_message(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    (base / 'benign' / 'benign (3).png').write_bytes(b'xx')
    (base / 'malignant' / 'malignant (2)_mask.png').unlink()
    msg = convert_fails(raw, tmp_path / 'out', '2 problem')
    assert 'benign (3).png' in msg and 'malignant (2).png' in msg


def test_skip_bad(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    (base / 'benign' / 'benign (3).png').write_bytes(b'xx')
    (base / 'malignant' / 'malignant (2)_mask.png').unlink()
    s = convert_busi(
        raw, tmp_path / 'out', num_folds=2, skip_bad=True, progress=False
    )
    names = {p.name for p in (tmp_path / 'out' / 'images').iterdir()}
    assert 'benign_0003.png' not in names
    assert 'malignant_0002.png' not in names
    assert 'benign_0005.png' in names
    assert any('benign (3).png: cannot be read' in m for m in s.skipped)
    assert any('malignant (2).png: mask missing' in m for m in s.skipped)


def test_output_not_empty(make_busi, tmp_path):
    raw, _ = busi(make_busi, tmp_path)
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'mine.txt').write_text('keep me')
    for overwrite in (False, True):
        with pytest.raises(
            ConversionError, match='holds 1 entries .*mine.txt.* refusing'
        ):
            convert_busi(raw, out, overwrite=overwrite, progress=False)
    assert (out / 'mine.txt').read_text() == 'keep me'
    with pytest.raises(ConversionError, match='exists and is a file'):
        convert_busi(raw, out / 'mine.txt', progress=False)


def test_rerun_and_overwrite(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    out = tmp_path / 'out'
    convert_busi(raw, out, num_folds=2, progress=False)
    before = (out / 'labels.csv').read_text()
    with pytest.raises(ConversionError, match='already holds a prepared'):
        convert_busi(raw, out, num_folds=2, progress=False)
    assert (out / 'labels.csv').read_text() == before
    # a failed overwrite keeps the previous conversion intact
    (base / 'benign' / 'benign (2).png').write_bytes(b'xx')
    with pytest.raises(ConversionError, match='cannot be read'):
        convert_busi(raw, out, num_folds=2, overwrite=True, progress=False)
    assert (out / 'labels.csv').read_text() == before
    (base / 'benign' / 'benign (2).png').unlink()
    for m in base.glob('benign/benign (2)_mask*.png'):
        m.unlink()
    convert_busi(raw, out, num_folds=2, overwrite=True, progress=False)
    assert 'benign_0002.png' not in (out / 'labels.csv').read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['out', 'raw']


def test_cli_exit_codes(make_busi, tmp_path, monkeypatch):
    raw, base = busi(make_busi, tmp_path)
    (base / 'benign' / 'benign (3).png').write_bytes(b'xx')
    out = tmp_path / 'out'
    assert busi_main([str(raw), str(out), '--no-progress']) == 1
    assert not out.exists()
    assert (
        busi_main(
            [str(raw), str(out), '--no-progress', '--skip-bad', '--folds', '2']
        )
        == 0
    )
    assert (out / 'meta.json').is_file()
    # the tool script itself: a second run is refused with exit code 1
    monkeypatch.setattr(sys, 'argv', ['busi.py', str(raw), str(out)])
    with pytest.raises(SystemExit) as e:
        runpy.run_path(str(TOOLS / 'busi.py'), run_name='__main__')
    assert e.value.code == 1


# ------------------------------------------------------------------ UDIAT
def udiat(make_udiat, tmp_path, sheet='xlsx'):
    raw = tmp_path / 'raw'
    make_udiat(raw, n_benign=5, n_malignant=3, sheet=sheet)
    return raw


def test_udiat_image_without_row(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path, sheet='csv')
    text = (raw / 'DatasetB.csv').read_text().splitlines()
    kept = [ln for ln in text if not ln.startswith(('3;', '000003;'))]
    (raw / 'DatasetB.csv').write_text('\n'.join(kept) + '\n')
    with pytest.raises(
        ConversionError, match=r'000003.png: no row for image 000003'
    ):
        convert_udiat(raw, tmp_path / 'out', num_folds=2, progress=False)


def test_udiat_row_without_image(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path)
    (raw / 'original' / '000004.png').unlink()
    with pytest.raises(
        ConversionError, match=r'DatasetB.xlsx row 5: image 000004 has no file'
    ):
        convert_udiat(raw, tmp_path / 'out', num_folds=2, progress=False)


def test_udiat_mask_missing_and_bad_type(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path, sheet='csv')
    (raw / 'GT' / '000002.png').unlink()
    path = raw / 'DatasetB.csv'
    path.write_text(path.read_text().replace('Malignant', 'Maybe', 1))
    with pytest.raises(ConversionError) as e:
        convert_udiat(raw, tmp_path / 'out', num_folds=2, progress=False)
    msg = str(e.value)
    assert '000002.png: mask missing' in msg
    assert "Type 'Maybe'" in msg and 'neither Benign nor Malignant' in msg


def test_udiat_sheet_problems(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path, sheet='csv')
    (raw / 'DatasetB.csv').write_text('a;b\n1;2\n')
    with pytest.raises(ConversionError, match='no header row with columns'):
        convert_udiat(raw, tmp_path / 'out', progress=False)
    (raw / 'extra.csv').write_text('a')
    (raw / 'DatasetB.csv').rename(raw / 'labels.csv')
    with pytest.raises(ConversionError, match='several candidates'):
        convert_udiat(raw, tmp_path / 'out', progress=False)
    bad = raw / 'broken.xlsx'
    bad.write_bytes(b'zz')
    with pytest.raises(ConversionError, match='cannot be read as an Excel'):
        convert_udiat(raw, tmp_path / 'out', labels=bad, progress=False)
    with pytest.raises(ConversionError, match='no GT/ folder'):
        (raw / 'GT').rename(raw / 'masks')
        convert_udiat(raw, tmp_path / 'out', progress=False)


def test_udiat_cli(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path)
    out = tmp_path / 'out'
    assert (
        udiat_main([str(raw), str(out), '--folds', '2', '--no-progress']) == 0
    )
    assert (
        udiat_main([str(raw), str(out), '--folds', '2', '--no-progress']) == 1
    )
