"""Issue 11 for the converters: no silent wrong answer, one line per fault.

Label sheets that disagree, raw files that collide, two conversions into
one OUT, killed conversions, OUT inside RAW, and OS errors (no permission,
full disk, a cp1252 sheet).
"""

import csv
import errno
import json
import logging
import os
import re
import signal
import tempfile
import time

import numpy as np
import pytest
from mmengine.logging import MMLogger
from openpyxl import load_workbook
from PIL import Image

from mmcosa.cli.convert import busi_main, udiat_main
from mmcosa.datasets.converters import (
    ConversionError,
    convert_busi,
    convert_udiat,
    staging_dir,
)
from mmcosa.datasets.converters import staging as staging_mod
from mmcosa.datasets.converters.staging import (
    STALE_AGE_S,
    check_output_dir,
)

FAST = dict(num_folds=2, progress=False, dedup='hash')
CLI_FAST = ['--folds', '2', '--no-progress', '--dedup', 'hash']


def busi(make_busi, tmp_path):
    raw = tmp_path / 'raw'
    make_busi(raw, n_benign=6, n_malignant=5, n_normal=1)
    return raw, raw / 'Dataset_BUSI_with_GT'


def udiat(make_udiat, tmp_path, sheet='xlsx'):
    raw = tmp_path / 'raw'
    make_udiat(raw, n_benign=5, n_malignant=3, sheet=sheet)
    return raw


def leftovers(parent):
    return sorted(p.name for p in parent.iterdir() if p.name.startswith('.'))


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


def failure_line(logged, out):
    """The one line the CLI logged for a failed conversion (and clear)."""
    lines = [m for m in logged if 'conversion failed' in m]
    logged.clear()
    assert len(lines) == 1, lines
    assert '\n' not in lines[0], lines[0]
    assert lines[0].startswith(
        f'conversion failed, nothing written to {out}: '
    )
    return lines[0]


def read_labels(out):
    with open(out / 'labels.csv', newline='', encoding='utf-8') as f:
        return {r['filename']: r for r in csv.DictReader(f)}


# ---------------------------------------------------- two UDIAT label sheets
def csv_copy_of_xlsx(raw):
    """Write ``DatasetB.csv`` as an export of ``DatasetB.xlsx``."""
    wb = load_workbook(raw / 'DatasetB.xlsx')
    with open(raw / 'DatasetB.csv', 'w', newline='', encoding='utf-8') as f:
        csv.writer(f).writerows(
            ['' if c is None else c for c in row]
            for row in wb.active.iter_rows(values_only=True)
        )


def flip_type(raw, image_id):
    """Swap Benign/Malignant of one image in the xlsx; return the new."""
    wb = load_workbook(raw / 'DatasetB.xlsx')
    for row in wb.active.iter_rows(min_row=2):
        if row[0].value is not None and int(row[0].value) == image_id:
            new = 'Malignant' if row[1].value == 'Benign' else 'Benign'
            row[1].value = new
    wb.save(raw / 'DatasetB.xlsx')
    return new


def test_udiat_two_sheets_agree(make_udiat, tmp_path, logged):
    raw = udiat(make_udiat, tmp_path)
    csv_copy_of_xlsx(raw)
    convert_udiat(raw, tmp_path / 'out', **FAST)
    options = json.loads((tmp_path / 'out' / 'meta.json').read_text())[
        'options'
    ]
    assert options['labels'] == str(raw / 'DatasetB.xlsx')
    assert options['labels_chosen_by'] == 'found in RAW'
    assert options['labels_agree_with'] == ['DatasetB.csv']
    assert re.search(
        r'labels: read from \S+DatasetB.xlsx \(found in RAW; DatasetB.csv '
        r'agrees on all 8 images\)',
        '\n'.join(logged),
    )


def test_udiat_two_sheets_disagree(make_udiat, tmp_path, logged):
    raw = udiat(make_udiat, tmp_path)
    csv_copy_of_xlsx(raw)
    new = flip_type(raw, 6)  # a malignant image, in no duplicate pair
    old = {'Benign': 'Malignant', 'Malignant': 'Benign'}[new]
    out = tmp_path / 'out'
    with pytest.raises(ConversionError) as e:
        convert_udiat(raw, out, **FAST)
    msg = str(e.value)
    assert '\n' not in msg
    assert re.search(
        r'DatasetB.xlsx and DatasetB.csv disagree on image 000006: '
        rf'DatasetB.xlsx row 7 says {new}/\w+, '
        rf'DatasetB.csv row 7 says {old}/\w+\. '
        r'.*--labels',
        msg,
    )
    assert not out.exists() and leftovers(tmp_path) == []
    # the CLI: exit 1, one line
    assert udiat_main([str(raw), str(out)] + CLI_FAST) == 1
    assert 'disagree on image 000006' in failure_line(logged, out)
    # naming the sheet resolves it; meta.json says which one
    sheet = raw / 'DatasetB.xlsx'
    argv = [str(raw), str(out), '--labels', str(sheet)] + CLI_FAST
    assert udiat_main(argv) == 0
    assert read_labels(out)['000006.png']['class_name'] == new.lower()
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['options']['labels'] == str(sheet)
    assert meta['options']['labels_chosen_by'] == '--labels'


def test_udiat_sheets_disagree_on_many_rows(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path)
    csv_copy_of_xlsx(raw)
    flip_type(raw, 2)
    flip_type(raw, 5)
    text = (raw / 'DatasetB.csv').read_text(encoding='utf-8')
    lines = [ln for ln in text.splitlines() if not ln.startswith('7,')]
    (raw / 'DatasetB.csv').write_text('\n'.join(lines) + '\n')
    with pytest.raises(ConversionError, match='3 problem') as e:
        convert_udiat(raw, tmp_path / 'out', **FAST)
    msg = str(e.value)
    assert 'image 000002: DatasetB.xlsx row 3' in msg
    assert 'image 5: DatasetB.xlsx row 6' in msg
    assert 'image 7: DatasetB.xlsx row 8 says' in msg
    assert 'DatasetB.csv has no valid row' in msg
    assert 'disagree on 3 images' in msg


# --------------------------------------------------------- encodings (8)
def test_udiat_cp1252_csv(make_udiat, tmp_path, logged):
    raw = udiat(make_udiat, tmp_path, sheet='csv')
    path = raw / 'DatasetB.csv'
    text = path.read_text(encoding='utf-8')
    text = text.replace(';Benign;', ';Benign;Fibroadénome-', 1)
    path.write_bytes(text.encode('cp1252'))
    convert_udiat(raw, tmp_path / 'out', **FAST)
    diagnoses = [
        r['diagnosis'] for r in read_labels(tmp_path / 'out').values()
    ]
    assert sum(d.startswith('Fibroadénome-') for d in diagnoses) == 1
    assert re.search(
        r'DatasetB.csv: not UTF-8 \(byte 0xe9 at offset \d+\); read as '
        r'cp1252',
        '\n'.join(logged),
    )


def test_udiat_csv_not_text(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path, sheet='csv')
    path = raw / 'DatasetB.csv'
    path.write_bytes(path.read_bytes() + b'\x81\x8d\n')
    with pytest.raises(ConversionError) as e:
        convert_udiat(raw, tmp_path / 'out', **FAST)
    msg = str(e.value)
    assert '\n' not in msg
    assert msg.startswith(f'{path}: neither UTF-8 nor cp1252 text (byte 0x81')
    assert 'CSV UTF-8' in msg


# ----------------------------------------------------- colliding files (4)
def test_busi_same_stem_two_images(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    png = base / 'benign' / 'benign (3).png'
    jpg = base / 'benign' / 'benign (3).jpg'
    Image.new('RGB', (96, 72), (90, 90, 90)).save(jpg)
    with pytest.raises(ConversionError) as e:
        convert_busi(raw, tmp_path / 'out', **FAST)
    msg = str(e.value)
    assert '\n' not in msg
    assert msg.startswith(f'{jpg} and {png}: 2 images named')
    # --skip-bad leaves both out and lists them
    s = convert_busi(raw, tmp_path / 'out', skip_bad=True, **FAST)
    assert 'benign_0003.png' not in read_labels(tmp_path / 'out')
    assert any(str(jpg) in m for m in s.skipped)
    assert not any(
        'benign (3)_mask' in m and 'without' in m for m in s.skipped
    )


def test_busi_two_masks_for_one_slot(make_busi, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    mask = base / 'malignant' / 'malignant (2)_mask.png'
    other = mask.with_suffix('.bmp')
    Image.open(mask).convert('L').save(other)
    with pytest.raises(ConversionError) as e:
        convert_busi(raw, tmp_path / 'out', **FAST)
    assert str(e.value).startswith(f'{other} and {mask}: 2 masks for one')


def test_udiat_same_id_two_files(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path)
    a, b = raw / 'original' / '000003.png', raw / 'original' / '3.png'
    Image.fromarray(np.full((80, 104), 77, np.uint8)).save(b)
    with pytest.raises(ConversionError) as e:
        convert_udiat(raw, tmp_path / 'out', **FAST)
    msg = str(e.value)
    assert '\n' not in msg
    assert msg.startswith(f'{a} and {b}: 2 images for image id 3')
    s = convert_udiat(raw, tmp_path / 'out', skip_bad=True, **FAST)
    names = read_labels(tmp_path / 'out')
    assert '000003.png' not in names and len(names) == 7
    assert len(s.skipped) == 1  # no spurious 'row without image'


def test_udiat_same_id_two_masks(make_udiat, tmp_path):
    raw = udiat(make_udiat, tmp_path)
    a = raw / 'GT' / '000004.png'
    b = raw / 'GT' / '000004_gt.png'
    b.write_bytes(a.read_bytes())
    with pytest.raises(ConversionError) as e:
        convert_udiat(raw, tmp_path / 'out', **FAST)
    assert str(e.value).startswith(f'{a} and {b}: 2 masks for image id 4')


# ------------------------------------------------------- OUT inside RAW (9)
def test_out_inside_raw(make_busi, make_udiat, tmp_path):
    raw, base = busi(make_busi, tmp_path)
    for out in (raw / 'prepared', base / 'benign' / 'x'):
        with pytest.raises(ConversionError, match='OUT is inside the raw'):
            convert_busi(raw, out, **FAST)
    with pytest.raises(ConversionError, match='raw folder is inside OUT'):
        convert_busi(base, tmp_path, overwrite=True, **FAST)
    uraw = tmp_path / 'u'
    make_udiat(uraw, n_benign=3, n_malignant=2)
    with pytest.raises(ConversionError, match='OUT is inside the raw'):
        convert_udiat(uraw, uraw / 'out', **FAST)
    assert not (raw / 'prepared').exists() and not (uraw / 'out').exists()


# ----------------------------------------------- two runs into one OUT (7)
def test_out_appearing_meanwhile_is_not_replaced(tmp_path):
    out = tmp_path / 'out'
    with pytest.raises(ConversionError, match='changed while this conv'):
        with staging_dir(out) as tmp:
            (tmp / 'meta.json').write_text('{"run": "A"}')
            out.mkdir()  # another conversion finished into OUT meanwhile
            (out / 'meta.json').write_text('{"run": "B"}')
    assert (out / 'meta.json').read_text() == '{"run": "B"}'
    assert leftovers(tmp_path) == []
    # with --overwrite: only the folder that was there at the start
    with pytest.raises(ConversionError, match='another conversion finish'):
        with staging_dir(out, overwrite=True) as tmp:
            (tmp / 'meta.json').write_text('{"run": "C"}')
            (out / 'meta.json').unlink()
            (out / 'meta.json').write_text('{"run": "D"}')
    assert (out / 'meta.json').read_text() == '{"run": "D"}'
    with staging_dir(out, overwrite=True) as tmp:
        (tmp / 'meta.json').write_text('{"run": "E"}')
    assert (out / 'meta.json').read_text() == '{"run": "E"}'
    assert leftovers(tmp_path) == []


def test_second_conversion_into_one_out(make_busi, tmp_path, logged):
    raw, _ = busi(make_busi, tmp_path)
    out = tmp_path / 'out'
    with staging_dir(out) as tmp:  # a first conversion, still writing
        for overwrite in ([], ['--overwrite']):
            argv = [str(raw), str(out)] + CLI_FAST + overwrite
            assert busi_main(argv) == 1
            line = failure_line(logged, out)
            running = 'another conversion into this folder is running'
            assert f'{running} (pid {os.getpid()} on ' in line
        (tmp / 'meta.json').write_text('{}')
    assert os.listdir(out) == ['meta.json']
    assert leftovers(tmp_path) == []


# -------------------------------------------------- killed conversions (9)
@pytest.mark.skipif(os.name != 'posix', reason='fork and SIGKILL')
def test_killed_conversion_leftover_removed(tmp_path):
    out = tmp_path / 'out'
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: a conversion killed while writing
        try:
            with staging_dir(out) as tmp:
                (tmp / 'images').mkdir()
                os.write(ready_w, b'1')
                time.sleep(60)
        finally:
            os._exit(1)
    os.close(ready_w)
    assert os.read(ready_r, 1) == b'1'
    os.close(ready_r)
    (partial,) = leftovers(tmp_path)
    assert partial.startswith(f'.out.partial-{pid}.')
    # in use: refused and kept
    with pytest.raises(ConversionError, match=f'is running \\(pid {pid} on'):
        check_output_dir(out)
    assert leftovers(tmp_path) == [partial]
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert leftovers(tmp_path) == [partial]  # SIGKILL cleans nothing up
    check_output_dir(out)
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != 'posix', reason='process ids')
def test_killed_swap_restores_out(tmp_path):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)  # a dead process id
    host = staging_mod._host()
    old = tmp_path / f'.out.old-{pid}.0.abcd1234.{host}'
    old.mkdir()
    (old / 'meta.json').write_text('{}')
    check_output_dir(tmp_path / 'out', overwrite=True)
    assert os.listdir(tmp_path / 'out') == ['meta.json']
    assert leftovers(tmp_path) == []


def test_leftover_of_unknown_owner_by_age(tmp_path):
    young = tmp_path / '.out.partial-x1y2z3'  # an older mmcosa's name
    other = tmp_path / '.out.partial-1.0.abcd1234.another-host'
    old = tmp_path / '.out.partial-qwerty12'
    for p in (young, other, old):
        p.mkdir()
    stamp = time.time() - STALE_AGE_S - 60
    os.utime(old, (stamp, stamp))
    check_output_dir(tmp_path / 'out')
    assert leftovers(tmp_path) == sorted([young.name, other.name])


# ------------------------------------------------------------ OSError (8)
def test_read_only_parent(make_busi, tmp_path, monkeypatch, logged):
    raw, _ = busi(make_busi, tmp_path)
    parent = tmp_path / 'ro'
    parent.mkdir()
    out = parent / 'busi'
    if os.geteuid() == 0:  # root ignores the mode: simulate it

        def refuse(suffix=None, prefix=None, dir=None):
            path = os.path.join(dir, f'{prefix}xyz{suffix}')
            raise PermissionError(errno.EACCES, 'Permission denied', path)

        monkeypatch.setattr(tempfile, 'mkdtemp', refuse)
    parent.chmod(0o555)
    try:
        assert busi_main([str(raw), str(out)] + CLI_FAST) == 1
    finally:
        parent.chmod(0o755)
    line = failure_line(logged, out)
    assert line.endswith(
        f'{out}: Permission denied; you may not read or write there. '
        f'Choose an OUT in a folder you can write to (or fix its '
        f'permissions) and make sure you can read the raw files.'
    )
    assert os.listdir(parent) == []


def test_disk_full(make_busi, tmp_path, monkeypatch, logged):
    raw, _ = busi(make_busi, tmp_path)
    out = tmp_path / 'out'

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(Image.Image, 'save', full)
    assert busi_main([str(raw), str(out)] + CLI_FAST) == 1
    line = failure_line(logged, out)
    assert line.endswith(
        f'{out}: No space left on device (the disk holding {tmp_path} is '
        f'full or over quota); free space there or choose an OUT on another '
        f'disk.'
    )
    assert not out.exists() and leftovers(tmp_path) == []
