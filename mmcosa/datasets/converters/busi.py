"""BUSI (Al-Dhabyani et al. 2020) as downloaded -> prepared layout.

Expected input (``RAW`` is this folder or its parent)::

    Dataset_BUSI_with_GT/
    ├── benign/      benign (1).png, benign (1)_mask.png,
    │                benign (4)_mask_1.png (extra lesion), ...
    ├── malignant/   malignant (1).png, malignant (1)_mask.png, ...
    └── normal/      normal (1).png, normal (1)_mask.png (empty), ...

Output names: ``benign (12).png`` -> ``benign_0012.png``; a name not in
the ``<class> (<n>)`` pattern becomes ``<class>_<name>`` with every
character other than letters, digits, ``-`` and ``_`` replaced by ``_``.
Two raw files that claim one image (``benign (3).png`` and
``benign (3).jpg``) or one mask slot (``benign (3)_mask.png`` and
``benign (3)_mask.jpg``) are a problem naming both, and neither is
converted (which one is meant is unknown); so is a second image whose
output name is taken.
"""

import re
from pathlib import Path
from typing import Dict, List

from ..metainfo import CLASS_NAMES, NORMAL_LABEL
from .errors import ConversionError
from .image_io import IMAGE_SUFFIXES, is_system_file
from .prepare import write_prepared
from .records import CollectResult, RawSample
from .staging import check_out_outside_raw
from .summary import ConversionSummary

__all__ = ['find_busi_root', 'collect_busi', 'convert_busi']

_MASK_RE = re.compile(r'^(?P<stem>.+?)_mask(?:_(?P<extra>\d+))?$', re.I)
_NAME_RE = re.compile(r'^(?P<cls>[a-z]+)\s*\((?P<idx>\d+)\)$', re.I)
_SKIP = 'or pass --skip-bad to leave it out'


def _natural_key(name: str) -> list:
    return [
        int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', name)
    ]


def _class_dirs(folder: Path) -> Dict[str, Path]:
    return {
        d.name.lower(): d
        for d in folder.iterdir()
        if d.is_dir() and d.name.lower() in CLASS_NAMES
    }


def find_busi_root(raw: Path) -> Path:
    """Locate the folder holding ``benign/`` and ``malignant/``.

    Args:
        raw (Path): ``Dataset_BUSI_with_GT`` or a folder holding it.

    Returns:
        Path: The folder with the class sub-folders.

    Raises:
        ConversionError: If no such folder is found.
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise ConversionError(
            f'{raw}: not a folder; pass the downloaded Dataset_BUSI_with_GT '
            f'folder (holding benign/, malignant/, normal/) or its parent.'
        )
    if _class_dirs(raw):
        return raw
    found = [
        d
        for d in sorted(raw.iterdir())
        if d.is_dir() and not is_system_file(d) and _class_dirs(d)
    ]
    if len(found) == 1:
        return found[0]
    if found:
        raise ConversionError(
            f'{raw}: several folders look like BUSI '
            f'({", ".join(d.name for d in found)}); pass the one to convert.'
        )
    raise ConversionError(
        f'{raw}: no benign/ or malignant/ folder in it or in a sub-folder; '
        f'pass the downloaded Dataset_BUSI_with_GT folder or its parent.'
    )


def _output_name(cls: str, stem: str) -> str:
    m = _NAME_RE.match(stem)
    if m and m['cls'].lower() == cls:
        return f'{cls}_{int(m["idx"]):04d}'
    return f'{cls}_' + re.sub(r'[^A-Za-z0-9_-]', '_', stem)


def _mask_order(path: Path) -> int:
    extra = _MASK_RE.match(path.stem)['extra']
    return 0 if extra is None else int(extra)


def _collisions(
    images: Dict[str, List[Path]],
    masks: Dict[str, List[Path]],
    res: CollectResult,
) -> None:
    """Report raw files that claim one image or one mask slot, and drop
    that image: which file is meant (and whose mask is whose) is unknown.
    """
    for stem, files in list(images.items()):
        if len(files) > 1:
            del images[stem]
            masks.pop(stem, None)
            res.problems.append(
                f'{" and ".join(str(f) for f in files)}: {len(files)} images '
                f'named {stem!r} (different suffixes), so the mask '
                f'{stem}_mask.png cannot be matched to one of them and none '
                f'is converted. Delete or rename all but one, or pass '
                f'--skip-bad to leave them all out.'
            )
    for stem, found in list(masks.items()):
        slots: Dict[int, List[Path]] = {}
        for m in found:
            slots.setdefault(_mask_order(m), []).append(m)
        for files in slots.values():
            if len(files) > 1:
                images.pop(stem, None)
                masks.pop(stem, None)
                res.problems.append(
                    f'{" and ".join(str(f) for f in files)}: {len(files)} '
                    f'masks for one slot of image {stem!r} (different '
                    f'suffixes), so its mask is unknown and it is not '
                    f'converted. Delete all but one, {_SKIP}.'
                )
                break


def _collect_class(
    folder: Path, cls: str, res: CollectResult, names: Dict[str, Path]
) -> None:
    images: Dict[str, List[Path]] = {}
    masks: Dict[str, List[Path]] = {}
    for f in sorted(folder.iterdir(), key=lambda p: _natural_key(p.name)):
        if is_system_file(f):
            res.skipped.append(f'{f}: operating-system file')
        elif f.is_dir():
            res.skipped.append(f'{f}: sub-folder, not read')
        elif f.suffix.lower() not in IMAGE_SUFFIXES:
            res.problems.append(
                f'{f}: not an image file (suffix {f.suffix!r}); BUSI class '
                f'folders hold only PNG images and masks. Remove it, {_SKIP}.'
            )
        elif _MASK_RE.match(f.stem):
            masks.setdefault(_MASK_RE.match(f.stem)['stem'], []).append(f)
        else:
            images.setdefault(f.stem, []).append(f)
    _collisions(images, masks, res)
    label = CLASS_NAMES.index(cls)
    for stem, (img,) in images.items():
        found = sorted(masks.pop(stem, []), key=_mask_order)
        if not found and label != NORMAL_LABEL:
            res.problems.append(
                f'{img}: mask missing (expected {folder / (stem + "_mask")}'
                f'.png beside it). Copy the mask from the original download, '
                f'{_SKIP}.'
            )
            continue
        name = _output_name(cls, stem)
        if name in names:
            res.problems.append(
                f'{img}: output name {name}.png is also that of '
                f'{names[name]}; rename one of them, {_SKIP}.'
            )
            continue
        names[name] = img
        res.samples.append(RawSample(name, img, found, label))
    for stem, orphans in masks.items():
        for m in orphans:
            res.problems.append(
                f'{m}: mask without an image (expected {stem}.png beside '
                f'it). Restore the image or delete the mask, {_SKIP}.'
            )


def collect_busi(raw: Path, keep_normal: bool = False) -> CollectResult:
    """Read the BUSI folder tree into raw samples and problems.

    Args:
        raw (Path): ``Dataset_BUSI_with_GT`` or its parent.
        keep_normal (bool): Keep ``normal/`` images (label 2, empty mask).

    Returns:
        CollectResult: Samples, problems, skipped files, excluded counts.
    """
    root = find_busi_root(raw)
    res = CollectResult()
    names: Dict[str, Path] = {}
    for d in sorted(root.iterdir(), key=lambda p: p.name.lower()):
        cls = d.name.lower()
        if is_system_file(d):
            res.skipped.append(f'{d}: operating-system file')
        elif not d.is_dir():
            res.skipped.append(f'{d}: file beside the class folders, not read')
        elif cls not in CLASS_NAMES:
            for f in sorted(d.rglob('*')):
                if f.is_file() and not is_system_file(f):
                    res.problems.append(
                        f'{f}: in unknown class folder {d.name!r}; BUSI '
                        f'class folders are benign/, malignant/ and '
                        f'normal/. Move the file into one of them or '
                        f'delete the folder, {_SKIP}.'
                    )
        elif cls == CLASS_NAMES[NORMAL_LABEL] and not keep_normal:
            n = sum(
                1
                for f in d.iterdir()
                if f.suffix.lower() in IMAGE_SUFFIXES
                and not _MASK_RE.match(f.stem)
            )
            res.excluded[cls] = n
        else:
            _collect_class(d, cls, res, names)
    return res


def convert_busi(
    raw: Path,
    out: Path,
    *,
    num_folds: int = 5,
    seed: int = 0,
    keep_normal: bool = False,
    keep_conflicts: bool = False,
    skip_bad: bool = False,
    overwrite: bool = False,
    dedup: str = 'full',
    dup_threshold: int = 20,
    progress: bool = True,
    workers: int = 1,
) -> ConversionSummary:
    """Convert a downloaded BUSI folder into the prepared layout.

    Args:
        raw (Path): ``Dataset_BUSI_with_GT`` or its parent.
        out (Path): The prepared folder to create (must be new or empty,
            or hold a previous conversion with ``overwrite``).
        num_folds (int): Cross-validation folds. Defaults to 5.
        seed (int): Seed of the fold assignment. Defaults to 0.
        keep_normal (bool): Keep normal images (label 2, empty mask).
        keep_conflicts (bool): Keep duplicates whose labels differ.
        skip_bad (bool): Leave bad files out instead of failing.
        overwrite (bool): Replace a previous conversion at ``out``.
        dedup (str): Duplicate search: ``'full'`` (every kind: same frame
            and same lesion; the default), ``'hash'`` or ``'none'``; see
            :func:`~mmcosa.datasets.converters.write_prepared`.
        dup_threshold (int): ``'hash'`` mode: max dHash distance (of 256
            bits) of near duplicates. Defaults to 20.
        progress (bool): Show a progress bar.
        workers (int): Threads reading and writing images; the output
            does not depend on it. Defaults to 1.

    Returns:
        ConversionSummary: What was written, excluded and skipped.
    """
    root = find_busi_root(Path(raw))
    for folder in (Path(raw), root):
        check_out_outside_raw(out, folder)
    collected = collect_busi(root, keep_normal)
    options = dict(
        keep_normal=keep_normal,
        keep_conflicts=keep_conflicts,
        skip_bad=skip_bad,
        dedup=dedup,
        dup_threshold=dup_threshold,
    )
    return write_prepared(
        collected,
        out,
        source='BUSI',
        raw_dir=root,
        num_folds=num_folds,
        seed=seed,
        keep_conflicts=keep_conflicts,
        skip_bad=skip_bad,
        overwrite=overwrite,
        dedup=dedup,
        dup_threshold=dup_threshold,
        progress=progress,
        workers=workers,
        options=options,
    )
