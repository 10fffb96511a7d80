"""Cheap candidate pairs for the pixel check: a keypoint vote.

Every RootSIFT descriptor of every image goes into one FLANN k-d forest;
each descriptor asks for its nearest neighbours in the other images. A
neighbour much closer than the farthest one returned (a Lowe-style ratio
against the background distance) is a distinctive match and votes for its
image; a descriptor that matches several images equally well (texture
common to many scans) splits its vote, and one matching more than
``max_images`` images does not vote. Pairs of images with many votes are
checked; this costs one approximate nearest-neighbour search per keypoint
instead of a keypoint matching per pair of images.
"""

from typing import Dict, List, Sequence, Set, Tuple

import cv2
import numpy as np

from .features import ImageFeatures
from .hashing import hamming_matrix

__all__ = ['keypoint_votes', 'candidate_pairs']


def keypoint_votes(
    features: Sequence[ImageFeatures],
    neighbours: int = 8,
    ratio: float = 0.8,
    max_images: int = 6,
    checks: int = 48,
) -> np.ndarray:
    """Symmetric vote matrix between images.

    Args:
        features (Sequence[ImageFeatures]): N images' features.
        neighbours (int): Neighbours asked per descriptor.
        ratio (float): A neighbour votes when its distance is below
            ``ratio`` times the farthest other-image neighbour's.
        max_images (int): Descriptors voting for more images are ignored.
        checks (int): FLANN leaf checks (speed vs recall).

    Returns:
        np.ndarray: float32 (N, N), votes between each pair (both ways
        summed), zero diagonal.
    """
    n = len(features)
    votes = np.zeros((n, n), np.float32)
    counts = [len(f.descriptors) for f in features]
    if n < 2 or sum(counts) <= neighbours:
        return votes
    desc = np.concatenate([f.descriptors for f in features]).astype(np.float32)
    owner = np.repeat(np.arange(n), counts)
    index = cv2.flann_Index(desc, dict(algorithm=1, trees=4))
    k = min(neighbours + 4, len(desc))
    idx, dist = index.knnSearch(desc, k, params=dict(checks=checks))
    idx = idx.astype(np.int64)
    other = owner[idx]
    foreign = other != owner[:, None]
    # squared L2 distances; the farthest foreign neighbour is background
    d = np.where(foreign, dist, -1.0)
    background = d.max(axis=1)
    good = foreign & (dist < (ratio**2) * background[:, None])
    num_good = good.sum(axis=1)
    keep = (num_good > 0) & (num_good <= max_images)
    rows = np.nonzero(keep)[0]
    if rows.size == 0:
        return votes
    sub_good = good[rows]
    weights = (1.0 / num_good[rows])[:, None] * sub_good
    src = np.repeat(owner[rows][:, None], k, axis=1)[sub_good]
    dst = other[rows][sub_good]
    np.add.at(votes, (src, dst), weights[sub_good].astype(np.float32))
    votes = votes + votes.T
    np.fill_diagonal(votes, 0)
    return votes


def candidate_pairs(
    features: Sequence[ImageFeatures],
    top: int = 8,
    min_votes: float = 6.0,
    hash_distance: int = 64,
    sweep_top: int = 2,
    min_look: float = 0.75,
) -> Tuple[List[Tuple[int, int]], Set[Tuple[int, int]], Set[Tuple[int, int]]]:
    """Pairs worth the pixel check.

    Args:
        features (Sequence[ImageFeatures]): N images' features.
        top (int): Best-voted partners kept per image.
        min_votes (float): Fewest votes of a kept partner.
        hash_distance (int): dHash pairs at most this far apart (of
            ``hash_size ** 2`` bits) are checked too, also for a same
            field of view.
        sweep_top (int): Partners with the most similar thumbnails kept
            per image (adjacent frames of a sweep: their keypoints may not
            match once the speckle changed).
        min_look (float): Smallest thumbnail correlation of such a partner.

    Returns:
        tuple: ``(pairs, same_view, sweep)``: sorted ``(i, j)`` with
        ``i < j``, the subset whose hashes are close, and the subset whose
        thumbnails look alike.
    """
    n = len(features)
    if n < 2:
        return [], set(), set()
    votes = keypoint_votes(features)
    pairs: Dict[Tuple[int, int], None] = {}
    order = np.argsort(-votes, axis=1)[:, :top]
    for i in range(n):
        for j in order[i].tolist():
            if j != i and votes[i, j] >= min_votes:
                pairs[(min(i, j), max(i, j))] = None
    dist = hamming_matrix(np.stack([f.hash for f in features]))
    rows, cols = np.nonzero(np.triu(dist <= hash_distance, k=1))
    same_view = set(zip(rows.tolist(), cols.tolist()))
    digests: Dict[str, int] = {}
    for i, f in enumerate(features):
        if f.digest in digests:
            same_view.add((digests[f.digest], i))
        else:
            digests[f.digest] = i
    for pair in same_view:
        pairs[pair] = None
    sweep = _look_alike(features, sweep_top, min_look)
    for pair in sweep:
        pairs[pair] = None
    return sorted(pairs), same_view, sweep


def _look_alike(
    features: Sequence[ImageFeatures], top: int, min_look: float
) -> Set[Tuple[int, int]]:
    """Pairs whose thumbnails correlate best (each image's ``top``)."""
    thumbs = np.stack([f.thumb for f in features])
    look = thumbs @ thumbs.T
    np.fill_diagonal(look, -1.0)
    out = set()
    for i, row in enumerate(look):
        for j in np.argsort(-row)[:top].tolist():
            if row[j] >= min_look:
                out.add((min(i, j), max(i, j)))
    return out
