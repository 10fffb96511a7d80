"""Write the prepared layout shared by every converter.

Call graph::

    convert_busi / convert_udiat
      -> collect_busi / collect_udiat   (raw layout -> CollectResult)
      -> write_prepared                 (this module)
           check_output_dir             refuse a used OUT before any work
           staging_dir                  temp folder beside OUT
             _convert_one (per image)   read, merge masks, check, write,
                                        duplicate features
             match_features             same frame / same lesion links,
                                        union-find groups
             stratified_group_folds     folds keeping groups together
             labels.csv, splits/, meta.json
           rename into place
"""

import csv
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Dict, List, Optional, Union

import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from mmcosa.version import __version__

from ..duplicates import (
    DEDUP_MODES,
    CheckParams,
    FeatureParams,
    extract_features,
    hamming_matrix,
    match_features,
)
from ..metainfo import CLASS_NAMES, NORMAL_LABEL
from .errors import ConversionError
from .folds import stratified_group_folds
from .image_io import read_binary_mask, read_image, write_image, write_mask
from .records import CollectResult, RawSample
from .staging import check_output_dir, staging_dir
from .summary import ConversionSummary

__all__ = ['write_prepared', 'SKIP_HINT']

SKIP_HINT = (
    'Fix the file(s) named above, or re-run with --skip-bad to '
    'leave them out (they are then listed as skipped).'
)


def _convert_one(
    s: RawSample, tmp: Path, params: FeatureParams, keypoints: bool
) -> dict:
    """Read, check and write one sample; return what dedup/folds need."""
    img = read_image(s.image)
    h, w = img.height, img.width
    mask = np.zeros((h, w), dtype=bool)
    for m in s.masks:
        part = read_binary_mask(m)
        if part.shape != (h, w):
            raise ConversionError(
                f'{m}: mask is {part.shape[1]}x{part.shape[0]} (WxH) but its '
                f'image {s.image.name} is {w}x{h}; a mask must match its '
                f'image pixel for pixel. Replace it with the mask from the '
                f'original download, or pass --skip-bad to leave the image '
                f'out.'
            )
        mask |= part
    if s.label != NORMAL_LABEL and not mask.any():
        raise ConversionError(
            f'{s.masks[0]}: mask is empty but {s.image.name} is labelled '
            f'{s.class_name}; a tumour image needs the tumour drawn in '
            f'white. Fix the mask, or pass --skip-bad to leave the image '
            f'out.'
        )
    if img.mode not in ('L', 'RGB', 'RGBA', 'I;16', 'I'):
        pixels = np.asarray(img.convert('RGB'))
    else:
        pixels = np.asarray(img)
    write_image(img, s.image, tmp / 'images' / f'{s.name}.png')
    write_mask(mask, tmp / 'masks' / f'{s.name}.png')
    return dict(
        features=extract_features(pixels, params, keypoints=keypoints),
        empty=not mask.any(),
    )


def _closest_distinct(
    names: List[str], hashes: np.ndarray, groups: List[List[int]]
) -> Optional[dict]:
    """The most similar pair of images (by dHash) left in different groups."""
    if len(names) < 2:
        return None
    dist = hamming_matrix(hashes).astype(np.int64)
    group_id = np.arange(len(names))
    for k, g in enumerate(groups):
        group_id[g] = len(names) + k
    dist[group_id[:, None] == group_id[None, :]] = np.iinfo(np.int64).max
    if (dist == np.iinfo(np.int64).max).all():
        return None
    i, j = np.unravel_index(np.argmin(dist), dist.shape)
    return dict(
        members=[f'{names[i]}.png', f'{names[j]}.png'],
        distance=int(dist[i, j]),
    )


def write_prepared(
    collected: CollectResult,
    out_dir: Path,
    *,
    source: str,
    raw_dir: Path,
    num_folds: int = 5,
    seed: int = 0,
    keep_conflicts: bool = False,
    skip_bad: bool = False,
    overwrite: bool = False,
    dedup: str = 'full',
    dup_threshold: int = 20,
    progress: bool = True,
    workers: int = 1,
    options: Optional[dict] = None,
) -> ConversionSummary:
    """Convert collected raw samples into the prepared layout at ``out_dir``.

    Duplicate policy: images showing the same frame or the same lesion (see
    :mod:`mmcosa.datasets.duplicates`) always share a fold. A group whose
    members carry different labels is a conflict: its images are excluded
    (the true label is unknown) unless ``keep_conflicts``.

    Args:
        collected (CollectResult): Output of a raw-layout reader.
        out_dir (Path): The prepared folder to create.
        source (str): Data-set name stored in ``meta.json``.
        raw_dir (Path): The raw folder, stored in ``meta.json``.
        num_folds (int): Number of cross-validation folds.
        seed (int): Seed of the fold assignment.
        keep_conflicts (bool): Keep duplicates with different labels.
        skip_bad (bool): Leave bad files out instead of failing.
        overwrite (bool): Replace a previous conversion at ``out_dir``.
        dedup (str): Duplicate detection, one of ``'full'`` (keypoints and
            a pixel check: every kind of duplicate, the default),
            ``'hash'`` (identical pixels and dHash: fast, misses crops,
            zooms and adjacent frames) or ``'none'``.
        dup_threshold (int): ``'hash'`` mode: max dHash distance (of 256
            bits) of near duplicates.
        progress (bool): Show a progress bar.
        workers (int): Threads reading and writing images. Defaults to 1.
        options (dict, optional): Converter options stored in meta.json.

    Returns:
        ConversionSummary: What was written, excluded and skipped.

    Raises:
        ConversionError: On bad input (all problems in one message) unless
            ``skip_bad``, or when ``out_dir`` may not be written.
    """
    if not isinstance(num_folds, int) or num_folds < 2:
        raise ValueError(f'num_folds must be an int >= 2, got {num_folds!r}.')
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f'workers must be an int >= 1, got {workers!r}.')
    if dedup not in DEDUP_MODES:
        raise ValueError(f'dedup must be one of {DEDUP_MODES}, got {dedup!r}.')
    feature_params, check_params = FeatureParams(), CheckParams()
    start = time.perf_counter()
    out_dir = Path(out_dir)
    check_output_dir(out_dir, overwrite)
    # Collect every problem (layout and file content) before failing, so
    # one run names them all.
    problems = list(collected.problems)
    summary = ConversionSummary(
        source=source,
        out_dir=out_dir,
        excluded=dict(collected.excluded),
        skipped=list(collected.skipped) + problems,
    )
    with staging_dir(out_dir, overwrite) as tmp:
        (tmp / 'images').mkdir()
        (tmp / 'masks').mkdir()
        kept: List[RawSample] = []
        infos: List[dict] = []
        bar = ProgressBar(len(collected.samples)) if progress else None

        def convert(s: RawSample) -> Union[dict, ConversionError]:
            try:
                return _convert_one(
                    s, tmp, feature_params, keypoints=dedup == 'full'
                )
            except ConversionError as e:
                return e

        # PNG decoding releases the GIL: threads overlap it; map keeps
        # the input order, so the output does not depend on ``workers``.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for s, res in zip(
                collected.samples, pool.map(convert, collected.samples)
            ):
                if isinstance(res, ConversionError):
                    problems.extend(res.problems)
                    summary.skipped.extend(res.problems)
                else:
                    infos.append(res)
                    kept.append(s)
                if bar is not None:
                    bar.update()
        if bar is not None:
            bar.file.write('\n')
        if problems and not skip_bad:
            raise ConversionError(problems, SKIP_HINT)
        if not kept:
            raise ConversionError(
                f'{raw_dir}: no usable image found; check that RAW is the '
                f'downloaded {source} folder.'
            )
        names = [s.name for s in kept]
        labels = [s.label for s in kept]
        feats = [i.pop('features') for i in infos]
        if dedup == 'full':
            print_log(
                f'checking {len(kept)} images for duplicates (same frame, '
                f'same lesion)...',
                logger='current',
            )
        report = match_features(
            feats,
            dedup,
            dup_threshold,
            check_params,
            progress=progress,
            workers=workers,
        )
        groups = report.groups
        summary.closest_distinct = _closest_distinct(
            names, np.stack([f.hash for f in feats]), groups
        )
        del feats
        png = [f'{n}.png' for n in names]
        summary.duplicate_groups = report.records(
            png, [CLASS_NAMES[c] for c in labels]
        )
        if report.closest_rejected is not None:
            rej = dict(report.closest_rejected)
            a, b = rej.pop('a'), rej.pop('b')
            summary.closest_rejected = dict(members=[png[a], png[b]], **rej)
        summary.dedup = dict(
            mode=dedup,
            candidates=report.candidates,
            seconds=round(report.seconds, 1),
        )
        drop = set()
        if not keep_conflicts:
            for g, rep in zip(groups, summary.duplicate_groups):
                if rep['conflict']:
                    drop.update(g)
        for i in sorted(drop):
            summary.excluded_conflicts.append(f'{names[i]}.png')
            (tmp / 'images' / f'{names[i]}.png').unlink()
            (tmp / 'masks' / f'{names[i]}.png').unlink()
        keep_idx = [i for i in range(len(kept)) if i not in drop]
        if len(keep_idx) < num_folds:
            raise ConversionError(
                f'{raw_dir}: only {len(keep_idx)} usable image(s) for '
                f'{num_folds} folds; use --folds with a smaller number.'
            )
        remap = {old: new for new, old in enumerate(keep_idx)}
        group_of = {i: g for g in groups for i in g}
        fold_groups, seen = [], set()
        for i in keep_idx:
            if i not in seen:
                g = [j for j in group_of.get(i, [i]) if j in remap]
                seen.update(g)
                fold_groups.append([remap[j] for j in g])
        kept = [kept[i] for i in keep_idx]
        folds = stratified_group_folds(
            [s.label for s in kept], fold_groups, num_folds, seed
        )
        summary.merged_masks = {
            f'{s.name}.png': [str(m.relative_to(raw_dir)) for m in s.masks]
            for s in kept
            if len(s.masks) > 1
        }
        summary.normal_with_mask = [
            f'{s.name}.png'
            for s, i in zip(kept, keep_idx)
            if s.label == NORMAL_LABEL and not infos[i]['empty']
        ]
        present = sorted({s.label for s in kept})
        summary.counts = {
            CLASS_NAMES[c]: sum(s.label == c for s in kept) for c in present
        }
        summary.fold_counts = [
            {
                CLASS_NAMES[c]: sum(
                    f == k and s.label == c for s, f in zip(kept, folds)
                )
                for c in present
            }
            for k in range(num_folds)
        ]
        _write_tables(tmp, kept, folds, num_folds)
        summary.seconds = time.perf_counter() - start
        meta = dict(
            source=source,
            raw_dir=str(Path(raw_dir).absolute()),
            mmcosa_version=__version__,
            options=dict(options or {}),
            seed=seed,
            num_folds=num_folds,
            classes={str(c): CLASS_NAMES[c] for c in range(len(CLASS_NAMES))},
            counts=summary.counts,
            fold_counts=summary.fold_counts,
            duplicates=dict(
                summary.dedup,
                hash_threshold=dup_threshold if dedup == 'hash' else None,
                features=asdict(feature_params),
                checks=asdict(check_params),
            ),
            duplicate_groups=summary.duplicate_groups,
            closest_distinct=summary.closest_distinct,
            closest_rejected=summary.closest_rejected,
            excluded_conflicts=summary.excluded_conflicts,
            excluded=summary.excluded,
            merged_masks=summary.merged_masks,
            normal_with_mask=summary.normal_with_mask,
            skipped=summary.skipped,
            sources={
                f'{s.name}.png': str(s.image.relative_to(raw_dir))
                for s in kept
            },
        )
        with open(tmp / 'meta.json', 'w', encoding='utf-8') as f:
            json.dump(meta, f, indent=2)
    print_log(summary.format(), logger='current')
    return summary


def _write_tables(
    tmp: Path, kept: List[RawSample], folds: List[int], num_folds: int
) -> None:
    with_diag = any(s.diagnosis for s in kept)
    order = sorted(range(len(kept)), key=lambda i: kept[i].name)
    with open(tmp / 'labels.csv', 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(
            ['filename', 'label', 'class_name']
            + (['diagnosis'] if with_diag else [])
        )
        for i in order:
            s = kept[i]
            writer.writerow(
                [f'{s.name}.png', s.label, s.class_name]
                + ([s.diagnosis] if with_diag else [])
            )
    split_dir = tmp / 'splits'
    split_dir.mkdir()
    for k in range(num_folds):
        test: Dict[str, List[str]] = {'train': [], 'test': []}
        for i in order:
            test['test' if folds[i] == k else 'train'].append(
                f'{kept[i].name}.png'
            )
        for split, lines in test.items():
            (split_dir / f'fold_{k}_{split}.txt').write_text(
                ''.join(f'{line}\n' for line in lines), encoding='utf-8'
            )
