"""Check a prepared folder and name every problem in it.

The checks follow the layout written by the converters (see
:class:`~mmcosa.datasets.BUSDataset`): every image has a mask of the same
size holding only 0 and 1, tumour images have a non-empty mask, every
image has exactly one row in ``labels.csv`` and every row an image, and
for every fold the train and test lists exist, name existing labelled
images, do not overlap and together cover every image; the test lists of
all folds partition the data set and keep each duplicate group listed in
``meta.json`` in one fold. Labels, lists and ``meta.json`` that are not
UTF-8 are named, with the fix. Whether a test image has a duplicate in
training is the leak audit's job (:mod:`.leak_audit`; ``verify.py`` runs
both).
"""

import csv
import io
import json
from pathlib import Path
from typing import Dict, List, Set

import numpy as np
from mmengine.utils import ProgressBar
from PIL import Image, UnidentifiedImageError

from ..metainfo import CLASS_NAMES, NORMAL_LABEL

__all__ = ['verify_prepared']


def _not_utf8(rel: str, e: UnicodeDecodeError) -> str:
    return (
        f'{rel}: not UTF-8 text (byte {e.object[e.start]:#04x} at offset '
        f'{e.start}; a Latin-1/cp1252 export?); re-save it as UTF-8 '
        f'(iconv -f cp1252 -t utf-8) or re-run the converter with '
        f'--overwrite'
    )


def _read_list(path: Path, problems: List[str]) -> List[str]:
    try:
        text = path.read_text('utf-8')
    except UnicodeDecodeError as e:
        problems.append(_not_utf8(f'splits/{path.name}', e))
        return []
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    seen: Set[str] = set()
    for ln in lines:
        if ln in seen:
            problems.append(f'{path}: {ln} listed more than once')
        seen.add(ln)
    return lines


def _check_pairs(
    root: Path, problems: List[str], progress: bool
) -> Dict[str, np.ndarray]:
    img_dir, mask_dir = root / 'images', root / 'masks'
    images = {p.name for p in img_dir.iterdir() if p.is_file()}
    masks = {p.name for p in mask_dir.iterdir() if p.is_file()}
    for name in sorted(images - masks):
        problems.append(f'images/{name}: no mask masks/{name}')
    for name in sorted(masks - images):
        problems.append(f'masks/{name}: no image images/{name}')
    found = {}
    paired = sorted(images & masks)
    bar = ProgressBar(len(paired)) if progress else None
    for name in paired:
        if bar is not None:
            bar.update()
        if not name.endswith('.png'):
            problems.append(f'images/{name}: not a .png file')
            continue
        try:
            with Image.open(img_dir / name) as img:
                size = img.size
                img.load()
            with Image.open(mask_dir / name) as mk:
                mode = mk.mode
                mask = np.asarray(mk)
        except (UnidentifiedImageError, OSError, SyntaxError) as e:
            problems.append(f'{name}: unreadable image or mask ({e})')
            continue
        if mask.shape[:2] != (size[1], size[0]):
            problems.append(
                f'masks/{name}: size {mask.shape[1]}x{mask.shape[0]} differs '
                f'from images/{name} {size[0]}x{size[1]}'
            )
        if mode != 'L':
            problems.append(f"masks/{name}: mode {mode!r}, expected 'L'")
        bad = np.setdiff1d(np.unique(mask), [0, 1])
        if bad.size:
            problems.append(
                f'masks/{name}: values {bad[:5].tolist()} outside {{0, 1}}'
            )
        found[name] = mask
    if bar is not None:
        bar.file.write('\n')
    return found


def _check_labels(
    root: Path,
    images: Set[str],
    masks: Dict[str, np.ndarray],
    problems: List[str],
) -> Dict[str, int]:
    path = root / 'labels.csv'
    labels: Dict[str, int] = {}
    try:
        text = path.read_text(encoding='utf-8-sig')
    except UnicodeDecodeError as e:
        problems.append(_not_utf8('labels.csv', e))
        return labels
    reader = csv.DictReader(io.StringIO(text, newline=''))
    if not {'filename', 'label'} <= set(reader.fieldnames or []):
        problems.append(
            f'labels.csv: header {reader.fieldnames} lacks filename,label'
        )
        return labels
    for r, row in enumerate(reader, start=2):
        name, value = row['filename'], row['label']
        if name in labels:
            problems.append(f'labels.csv row {r}: {name} listed again')
            continue
        try:
            label = int(value)
            CLASS_NAMES[label]
        except (TypeError, ValueError, IndexError):
            problems.append(
                f'labels.csv row {r}: label {value!r} of '
                f'{name} is not 0, 1 or 2'
            )
            continue
        cname = row.get('class_name')
        if cname and cname != CLASS_NAMES[label]:
            problems.append(
                f'labels.csv row {r}: class_name {cname!r} '
                f'does not match label {label}'
            )
        if name not in images:
            problems.append(f'labels.csv row {r}: {name} has no image')
        labels[name] = label
    for name in sorted(images - set(labels)):
        problems.append(f'images/{name}: no row in labels.csv')
    for name, label in sorted(labels.items()):
        if name in masks and label != NORMAL_LABEL and not masks[name].any():
            problems.append(
                f'masks/{name}: empty mask on a '
                f'{CLASS_NAMES[label]} (tumour) image'
            )
    return labels


def _check_splits(root: Path, names: Set[str], problems: List[str]) -> None:
    split_dir = root / 'splits'
    meta_path = root / 'meta.json'
    meta = {}
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text('utf-8'))
        except UnicodeDecodeError as e:
            problems.append(_not_utf8('meta.json', e))
        except ValueError as e:
            problems.append(f'meta.json: not valid JSON ({e})')
    num_folds = meta.get('num_folds')
    if num_folds is None:
        num_folds = len(list(split_dir.glob('fold_*_test.txt')))
        if meta_path.is_file():
            problems.append('meta.json: no num_folds')
    fold_of: Dict[str, int] = {}
    for k in range(num_folds):
        lists = {}
        for split in ('train', 'test'):
            path = split_dir / f'fold_{k}_{split}.txt'
            if not path.is_file():
                problems.append(f'splits/{path.name}: missing')
                continue
            lists[split] = _read_list(path, problems)
            for ln in lists[split]:
                if ln not in names:
                    problems.append(
                        f'splits/{path.name}: {ln} is not a '
                        f'labelled image in images/'
                    )
        if len(lists) < 2:
            continue
        train, test = set(lists['train']), set(lists['test'])
        for ln in sorted(train & test):
            problems.append(f'splits/fold_{k}: {ln} in both train and test')
        for ln in sorted(names - train - test):
            problems.append(f'splits/fold_{k}: {ln} in neither train nor test')
        for ln in test:
            if ln in fold_of and fold_of[ln] != k:
                problems.append(
                    f'splits: {ln} in the test lists of folds '
                    f'{fold_of[ln]} and {k}'
                )
            fold_of.setdefault(ln, k)
    for group in meta.get('duplicate_groups', []):
        members = [m for m in group['members'] if m in fold_of]
        folds = {fold_of[m] for m in members}
        if len(folds) > 1:
            problems.append(
                f'splits: duplicate group {members} is split '
                f'over test folds {sorted(folds)}'
            )


def verify_prepared(root: Path, progress: bool = False) -> List[str]:
    """Check a prepared folder and name every problem.

    Args:
        root (Path): The prepared folder (``data/busi``).
        progress (bool): Show a progress bar while reading the images.

    Returns:
        list[str]: One message per problem, each naming the file (relative
        to ``root``); empty when the folder is sound.
    """
    root = Path(root)
    if not root.is_dir():
        return [f'{root}: not a folder']
    required = ['images', 'masks', 'splits', 'labels.csv', 'meta.json']
    problems = [
        f'{name}: missing' for name in required if not (root / name).exists()
    ]
    if any(not (root / d).is_dir() for d in ('images', 'masks')):
        return problems
    masks = _check_pairs(root, problems, progress)
    images = {p.name for p in (root / 'images').iterdir() if p.is_file()}
    labels: Dict[str, int] = {}
    if (root / 'labels.csv').is_file():
        labels = _check_labels(root, images, masks, problems)
    if (root / 'splits').is_dir():
        _check_splits(root, set(labels) & images, problems)
    return problems
