"""Leak audit of verify.py: folds whose test images have a duplicate in
training, on the converted BUSI phantom (``benign_0003`` and
``benign_0004`` are one frame, a caliper mark apart) and on hand-made
link sets."""

import json
import os
import shutil

import pytest

from mmcosa.cli import verify as verify_cli
from mmcosa.cli.verify import verify_main
from mmcosa.datasets.converters.audit_duplicates import (
    DuplicateSet,
    LeakAuditError,
    folder_duplicates,
)
from mmcosa.datasets.converters.leak_audit import audit_folds, audit_kept
from mmcosa.datasets.converters.splits_import import (
    SplitFileError,
    read_split,
)

PAIR = ('benign_0003.png', 'benign_0004.png')


@pytest.fixture
def prepared(busi_prepared, tmp_path):
    """A private copy of the converted BUSI phantom folder."""
    out = tmp_path / 'busi'
    shutil.copytree(busi_prepared[0], out)
    return out


@pytest.fixture
def logged(monkeypatch):
    """The messages verify.py logs, in order."""
    lines = []
    monkeypatch.setattr(
        verify_cli, 'print_log', lambda msg, **kw: lines.append(msg)
    )
    return lines


def read_folds(root):
    return {
        k: {
            s: (root / 'splits' / f'fold_{k}_{s}.txt').read_text().split()
            for s in ('train', 'test')
        }
        for k in range(5)
    }


def fold_of(folds, name):
    return next(k for k, v in folds.items() if name in v['test'])


def move(folds, name, to):
    """Move ``name`` into the test list of fold ``to`` (a valid split)."""
    for k, v in folds.items():
        for s in ('train', 'test'):
            if name in v[s]:
                v[s].remove(name)
        v['test' if k == to else 'train'].append(name)


def write_folds(root, folds):
    for k, v in folds.items():
        for s, names in v.items():
            (root / 'splits' / f'fold_{k}_{s}.txt').write_text(
                ''.join(f'{n}\n' for n in sorted(names))
            )


def test_clean_split_passes_full_mode(prepared, logged):
    assert verify_main([str(prepared), '--no-progress']) == 0
    report = logged[-1]
    assert 'full mode, computed from 31 images' in report
    assert '1 group(s), 1 link(s)' in report
    assert all(f'fold {k}: ok' in report for k in range(5))
    assert 'LEAK' not in report


def test_leaking_split_fails(prepared, logged):
    folds = read_folds(prepared)
    a = fold_of(folds, PAIR[0])
    b = (a + 1) % 5
    move(folds, PAIR[1], b)
    write_folds(prepared, folds)
    # splits/ from elsewhere: meta.json knows no group, so only the audit
    # (duplicates computed from the images) can see the leak
    meta = json.loads((prepared / 'meta.json').read_text())
    meta['duplicate_groups'] = []
    (prepared / 'meta.json').write_text(json.dumps(meta))
    assert verify_main([str(prepared), '--no-progress']) == 1
    report = logged[-1]
    assert f'fold {a}: 1 test image(s) with a twin in training' in report
    assert f'fold {b}: 1 test image(s) with a twin in training' in report
    assert f'{PAIR[0]} ~ {PAIR[1]} (test ~ train): same_frame' in report
    assert 'method keypoints, inliers' in report
    assert 'LEAK: 2 test image(s) in 2 fold(s)' in report
    assert 'Fix: re-convert' in report

    audit = verify_cli.leak_audit(prepared, 'hash')
    assert audit.leaking_images == 2
    assert [(lk.image, lk.twin, lk.level) for lk in audit.folds[b]] == [
        (PAIR[1], PAIR[0], 'same_frame')
    ]
    assert sum(map(bool, audit.folds.values())) == 2


def test_chains_and_levels():
    frame = dict(members=['a', 'b'], level='same_frame', inliers=200)
    lesion = dict(members=['b', 'c'], level='same_lesion', correlation=0.9)
    dups = DuplicateSet([frame, lesion], [['a', 'b', 'c']], 'by hand')
    folds = {
        0: dict(test=['a', 'd'], train=['c', 'e']),
        1: dict(test=['c', 'e'], train=['a', 'd']),
        2: dict(test=['b'], train=['d', 'e']),
    }
    audit = audit_folds(dups, folds, 'hand')
    (leak,) = audit.folds[0]
    assert (leak.image, leak.twin, leak.level) == ('a', 'c', 'same_lesion')
    assert leak.chain == [frame, lesion]
    assert [lk.twin for lk in audit.folds[1]] == ['a']
    assert audit.folds[2] == []
    assert audit.leaking_images == 2
    text = audit.format()
    assert 'a ~ c (test ~ train): same_lesion via 2 links' in text
    assert 'b ~ c: same_lesion [correlation 0.9]' in text
    assert 'fold 2: ok' in text


def test_keep_list_pairs_by_hand():
    ab = dict(members=['a', 'b'], level='same_frame')
    bc = dict(members=['b', 'c'], level='same_frame')
    dups = DuplicateSet([ab, bc], [['a', 'b', 'c']], 'by hand')
    through_b = audit_kept(dups, ['a', 'c', 'd'], 'k')
    assert (through_b.kept, through_b.in_group, through_b.groups) == (3, 2, 1)
    assert [(lk.image, lk.twin, len(lk.chain)) for lk in through_b.leaks] == [
        ('a', 'c', 2)
    ]
    assert '0 duplicate pair(s) with both members kept, 1 kept' in (
        through_b.format()
    )
    all_kept = audit_kept(dups, ['a', 'b', 'c'], 'k')
    assert [lk.chain for lk in all_kept.leaks] == [[ab], [bc]]
    assert audit_kept(dups, ['a', 'd'], 'k').leaks == []


def test_splits_from_fold_files(prepared, tmp_path, logged):
    sources = json.loads((prepared / 'meta.json').read_text())['sources']
    folds = read_folds(prepared)
    before = {p.name: p.read_bytes() for p in (prepared / 'splits').iterdir()}
    rows = ['fold,filename']
    for k, v in folds.items():  # raw paths, raw names, prepared names
        for i, n in enumerate(v['test']):
            raw = sources[n]
            rows.append(f'{k},{[raw, raw.split("/")[1], n][i % 3]}')
    clean = tmp_path / 'split.csv'
    clean.write_text('\n'.join(rows) + '\n')
    args = [str(prepared), '--no-progress', '--dedup', 'hash']
    assert verify_main(args + ['--splits-from', str(clean)]) == 0
    assert f'leak audit of {clean}' in logged[-1]

    a = fold_of(folds, PAIR[0])
    move(folds, PAIR[1], (a + 2) % 5)
    leaky = tmp_path / 'split.json'
    leaky.write_text(
        json.dumps(
            {
                str(k): [sources[n].split('/')[1] for n in v['test']]
                for k, v in folds.items()
            }
        )
    )
    assert verify_main(args + ['--splits-from', str(leaky)]) == 1
    assert 'LEAK: 2 test image(s) in 2 fold(s)' in logged[-1]
    explicit = tmp_path / 'explicit.json'
    explicit.write_text(json.dumps({'0': folds[a]}))
    split = read_split(explicit, sorted(sources), sources)
    assert split.folds[0]['train'] == folds[a]['train']
    assert verify_main(args + ['--splits-from', str(explicit)]) == 1
    assert 'fold 0: 1 test image(s) with a twin in training' in logged[-1]
    after = {p.name: p.read_bytes() for p in (prepared / 'splits').iterdir()}
    assert after == before


def test_splits_from_keep_list(prepared, tmp_path, logged):
    keep = tmp_path / 'curated.csv'
    keep.write_text('class;id\nbenign;3\nbenign;4\nbenign;5\nmalignant;2\n')
    args = [str(prepared), '--no-progress', '--splits-from', str(keep)]
    assert verify_main(args) == 1
    report = logged[-1]
    assert '4 image(s) kept, 2 of them in 1 duplicate group(s)' in report
    assert '1 duplicate pair(s) with both members kept' in report
    assert f'{PAIR[0]} ~ {PAIR[1]} (both kept): same_frame' in report
    keep.write_text('benign;3\nbenign;5\n\nmalignant;2\n')
    assert verify_main(args + ['--dedup', 'hash']) == 0
    assert '3 image(s) kept, 1 of them in 1 duplicate group(s)' in logged[-1]


@pytest.mark.parametrize(
    'name, text, match',
    [
        ('k.csv', 'benign;3\nnormal;1\nbenign;99\n', r'2 name\(s\) match no'),
        ('k.csv', 'benign;3\nbenign;x\n', r'line 2: .* is not class;id'),
        ('k.csv', 'benign;3\nbenign;3\n', 'line 2: benign;3 listed again'),
        ('f.csv', 'fold,filename\nx,benign_0003.png\n', r"fold 'x' is not"),
        ('f.csv', 'fold,name\n0,benign_0003.png\n', 'lacks fold,filename'),
        ('f.csv', 'fold,filename,split\n0,benign_0003.png,val\n', 'val'),
        ('f.csv', 'fold,filename\n0,nope.png\n', r"'nope.png'"),
        (
            'f.csv',
            'fold,filename\n0,benign_0003.png\n1,benign (3).png\n',
            r'in the test lists of folds 0 and 1',
        ),
        ('f.json', '{"0": {"train": ["benign_0005.png"]}}', 'no test image'),
        (
            'f.json',
            '{"0": {"train": ["benign_0005.png"], "test": ["benign (5)"]}}',
            'benign_0005.png in both train and test of fold 0',
        ),
        ('f.json', '{"0": [', 'not valid JSON'),
        ('f.json', '["benign_0003.png"]', 'expected a CSV'),
        ('f.txt', 'benign_0003.png\n', 'unknown format'),
        ('f.txt', '\n\n', 'empty'),
    ],
)
def test_split_file_errors(prepared, tmp_path, name, text, match):
    sources = json.loads((prepared / 'meta.json').read_text())['sources']
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SplitFileError, match=match):
        read_split(path, sorted(sources), sources)


def test_split_file_not_utf8(prepared, tmp_path, logged):
    path = tmp_path / 'f.csv'
    path.write_bytes('fold,filename\n0,b\xe9nign.png\n'.encode('cp1252'))
    args = [str(prepared), '--no-progress', '--splits-from', str(path)]
    assert verify_main(args) == 1
    assert logged[-1] == (
        f'leak audit not run: {path}: not UTF-8 text (byte 0xe9 at offset '
        f'17); re-save it as UTF-8, e.g. iconv -f cp1252 -t utf-8.'
    )


def test_dedup_meta(prepared, logged):
    args = [str(prepared), '--no-progress', '--dedup', 'meta']
    assert verify_main(args) == 0
    assert logged[-1].startswith(
        f'leak audit of {prepared}/splits (duplicates: meta.json (full mode, '
        f'31 images); 1 group(s), 1 link(s))'
    )
    dups = folder_duplicates(prepared, 'meta')
    assert dups.groups == [list(PAIR)]
    assert dups.chain(*PAIR)[0]['level'] == 'same_frame'

    image = prepared / 'images' / 'benign_0007.png'
    later = (prepared / 'meta.json').stat().st_mtime + 10
    os.utime(image, (later, later))
    with pytest.raises(LeakAuditError, match='1 image.* changed after'):
        folder_duplicates(prepared, 'meta')
    shutil.copyfile(image, prepared / 'images' / 'extra.png')
    with pytest.raises(LeakAuditError, match=r"other images .*'extra.png'"):
        folder_duplicates(prepared, 'meta')
    meta = json.loads((prepared / 'meta.json').read_text())
    meta['duplicates']['mode'] = 'hash'
    (prepared / 'meta.json').write_text(json.dumps(meta))
    with pytest.raises(LeakAuditError, match="recorded mode 'hash'"):
        folder_duplicates(prepared, 'meta')
    with pytest.raises(ValueError, match="got 'fast'"):
        folder_duplicates(prepared, 'fast')


def test_dedup_none_and_bad_arguments(prepared, logged):
    assert (
        verify_main([str(prepared), '--no-progress', '--dedup', 'none']) == 0
    )
    assert logged[-1] == 'leak audit: off (--dedup none)'
    with pytest.raises(SystemExit) as e:
        verify_main([str(prepared), '--workers', '0'])
    assert e.value.code == 2
