"""Find duplicate images at two levels and group them for leak-free folds.

Call graph::

    find_duplicates(images)              paths or arrays
      extract_features (per image)       digest, dHash, SIFT, blurred copy
      match_features(features)
        'hash': digest + dHash distance   (no pixel check)
        'full': candidate_pairs           keypoint vote, close dHashes,
                                          look-alike thumbnails
                verify_pair (per pair)    similarity fit + pixel check
        UnionFind over every link         -> groups (one fold each)

Levels: ``same_frame`` (the same acquired frame: re-encoded, re-cropped,
resized, zoomed, a sector vs its crop, marks added) and ``same_lesion``
(adjacent frames of one sweep: the same lesion, not the same pixels).
Both levels are grouped into one fold; a group is ``same_frame`` when its
same-frame links alone connect it.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmengine.utils import ProgressBar

from .candidates import candidate_pairs
from .features import FeatureParams, ImageFeatures, extract_features
from .hashing import hamming_matrix
from .union_find import UnionFind
from .verification import (
    SAME_FRAME,
    SAME_LESION,
    CheckParams,
    PairEvidence,
    verify_pair,
)

__all__ = [
    'DEDUP_MODES',
    'LEVELS',
    'DuplicatePair',
    'DuplicateReport',
    'find_duplicates',
    'match_features',
]

#: ``full``: keypoints + pixel check; ``hash``: dHash and identical pixels
#: only (fast, misses crops, zooms and adjacent frames); ``none``: nothing.
DEDUP_MODES = ('full', 'hash', 'none')
LEVELS = (SAME_FRAME, SAME_LESION)


@dataclass
class DuplicatePair:
    """Two images found to be duplicates.

    Attributes:
        a (int): Index of the first image (``a < b``).
        b (int): Index of the second image.
        level (str): ``'same_frame'`` or ``'same_lesion'``.
        evidence (dict): The measurements (see
            :class:`~.verification.PairEvidence`), plus ``hash_distance``.
    """

    a: int
    b: int
    level: str
    evidence: dict


@dataclass
class DuplicateReport:
    """Duplicates among N images.

    Attributes:
        num_images (int): N.
        mode (str): One of :data:`DEDUP_MODES`.
        pairs (list[DuplicatePair]): Every link found.
        groups (list[list[int]]): Connected images (two or more), each
            sorted; each must go into one fold.
        candidates (int): Pairs checked.
        closest_rejected (dict, optional): The checked pair that came
            closest to a link without being one (``a``, ``b``, evidence),
            to judge the thresholds.
        seconds (float): Time of the matching (features excluded).
    """

    num_images: int
    mode: str
    pairs: List[DuplicatePair] = field(default_factory=list)
    groups: List[List[int]] = field(default_factory=list)
    candidates: int = 0
    closest_rejected: Optional[dict] = None
    seconds: float = 0.0

    def group_of(self) -> dict:
        """Image index -> index of its group, for grouped images."""
        return {i: k for k, g in enumerate(self.groups) for i in g}

    def group_level(self, k: int) -> str:
        """``'same_frame'`` when same-frame links alone connect group k."""
        members = self.groups[k]
        uf = UnionFind(self.num_images)
        for p in self.pairs:
            if p.level == SAME_FRAME:
                uf.union(p.a, p.b)
        roots = {uf.find(i) for i in members}
        return SAME_FRAME if len(roots) == 1 else SAME_LESION

    def pairs_of(self, k: int) -> List[DuplicatePair]:
        """Links inside group k."""
        members = set(self.groups[k])
        return [p for p in self.pairs if p.a in members]

    def records(
        self, names: Sequence[str], labels: Optional[Sequence[str]] = None
    ) -> List[dict]:
        """JSON-ready groups: members, labels, level, conflict, links.

        Args:
            names (Sequence[str]): Name of each image.
            labels (Sequence[str], optional): Class name of each image;
                a group whose members differ is a ``conflict``.

        Returns:
            list[dict]: One dict per group.
        """
        out = []
        for k, g in enumerate(self.groups):
            rec = dict(members=[names[i] for i in g])
            if labels is not None:
                rec['labels'] = [labels[i] for i in g]
                rec['conflict'] = len({labels[i] for i in g}) > 1
            rec['level'] = self.group_level(k)
            rec['links'] = [
                dict(
                    members=[names[p.a], names[p.b]],
                    **p.evidence,
                )
                for p in self.pairs_of(k)
            ]
            out.append(rec)
        return out


def _read(path: Union[str, Path]) -> np.ndarray:
    # Imported here: the converters import this package.
    from mmcosa.datasets.converters.image_io import read_image

    return np.asarray(read_image(Path(path)))


def compute_features(
    images: Sequence[Union[str, Path, np.ndarray]],
    mode: str = 'full',
    params: Optional[FeatureParams] = None,
    workers: int = 1,
    progress: bool = False,
) -> List[ImageFeatures]:
    """Features of every image (read from disk when given paths)."""
    p = params or FeatureParams()
    bar = ProgressBar(len(images)) if progress else None

    def one(item) -> ImageFeatures:
        arr = item if isinstance(item, np.ndarray) else _read(item)
        f = extract_features(arr, p, keypoints=mode == 'full')
        if bar is not None:
            bar.update()
        return f

    with ThreadPoolExecutor(max_workers=workers) as pool:
        out = list(pool.map(one, images))
    if bar is not None:
        bar.file.write('\n')
    return out


def find_duplicates(
    images: Sequence[Union[str, Path, np.ndarray]],
    mode: str = 'full',
    hash_threshold: int = 20,
    feature_params: Optional[FeatureParams] = None,
    check_params: Optional[CheckParams] = None,
    workers: int = 1,
    progress: bool = False,
) -> DuplicateReport:
    """Find same-frame and same-lesion duplicates among images.

    Args:
        images (Sequence[str | Path | np.ndarray]): Image files, or decoded
            images ((H, W) grey or (H, W, 3) RGB).
        mode (str): One of :data:`DEDUP_MODES`. Defaults to ``'full'``.
        hash_threshold (int): ``'hash'`` mode: largest dHash distance (of
            256 bits) of a duplicate. Defaults to 20.
        feature_params (FeatureParams, optional): Feature settings.
        check_params (CheckParams, optional): Pixel-check thresholds.
        workers (int): Threads computing features. Defaults to 1.
        progress (bool): Show progress bars.

    Returns:
        DuplicateReport: Links and groups, indices into ``images``.
    """
    _check_mode(mode)
    feats = compute_features(
        images, mode, feature_params, workers=workers, progress=progress
    )
    return match_features(
        feats,
        mode,
        hash_threshold,
        check_params,
        progress=progress,
        workers=workers,
    )


def _check_mode(mode: str) -> None:
    if mode not in DEDUP_MODES:
        raise ValueError(
            f'dedup mode must be one of {DEDUP_MODES}, got {mode!r}'
        )


def match_features(
    features: Sequence[ImageFeatures],
    mode: str = 'full',
    hash_threshold: int = 20,
    check_params: Optional[CheckParams] = None,
    progress: bool = False,
    on_pair: Optional[Callable[[int, int, PairEvidence], None]] = None,
    workers: int = 1,
) -> DuplicateReport:
    """Link and group images from their features (see :func:`find_duplicates`).

    Args:
        features (Sequence[ImageFeatures]): One per image.
        mode (str): One of :data:`DEDUP_MODES`.
        hash_threshold (int): ``'hash'`` mode threshold, bits.
        check_params (CheckParams, optional): Pixel-check thresholds.
        progress (bool): Show a progress bar over the checked pairs.
        on_pair (callable, optional): Called with ``(i, j, evidence)`` for
            every checked pair (diagnostics).
        workers (int): Threads checking pairs; the result does not depend
            on it. Defaults to 1.

    Returns:
        DuplicateReport: Links and groups.
    """
    _check_mode(mode)
    if not isinstance(hash_threshold, int) or hash_threshold < 0:
        raise ValueError(
            f'hash_threshold must be an int >= 0, got {hash_threshold!r}'
        )
    start = time.perf_counter()
    n = len(features)
    report = DuplicateReport(num_images=n, mode=mode)
    if mode == 'none' or n < 2:
        return report
    dist = hamming_matrix(np.stack([f.hash for f in features]))
    if mode == 'hash':
        _hash_links(features, dist, hash_threshold, report)
    else:
        _full_links(
            features, dist, check_params, progress, on_pair, report, workers
        )
    uf = UnionFind(n)
    for p in report.pairs:
        uf.union(p.a, p.b)
    report.groups = uf.groups()
    report.seconds = time.perf_counter() - start
    return report


def _hash_links(features, dist, threshold, report) -> None:
    n = len(features)
    for i in range(n):
        for j in range(i + 1, n):
            same = features[i].digest == features[j].digest
            if same or dist[i, j] <= threshold:
                report.pairs.append(
                    DuplicatePair(
                        i,
                        j,
                        SAME_FRAME,
                        dict(
                            level=SAME_FRAME,
                            method='identical' if same else 'dhash',
                            hash_distance=int(dist[i, j]),
                        ),
                    )
                )
    report.candidates = len(report.pairs)


def _full_links(
    features, dist, check_params, progress, on_pair, report, workers=1
):
    pairs, same_view, sweep = candidate_pairs(features)
    report.candidates = len(pairs)
    bar = ProgressBar(len(pairs)) if progress and pairs else None
    closest = None

    def check(pair):
        i, j = pair
        return verify_pair(
            features[i],
            features[j],
            check_params,
            same_view=pair in same_view,
            sweep=pair in sweep,
        )

    # OpenCV and most NumPy reductions release the GIL; map keeps order
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for (i, j), ev in zip(pairs, pool.map(check, pairs)):
            if on_pair is not None:
                on_pair(i, j, ev)
            rec = dict(ev.to_dict(), hash_distance=int(dist[i, j]))
            if ev.level is not None:
                report.pairs.append(DuplicatePair(i, j, ev.level, rec))
            elif ev.overlap > 0:
                key = (-ev.correlation, ev.difference)
                if closest is None or key < closest[0]:
                    closest = (key, dict(a=i, b=j, **rec))
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.file.write('\n')
    report.closest_rejected = None if closest is None else closest[1]
