"""Exact and near-duplicate image detection for leak-free folds.

A difference hash (dHash, Krawetz 2013) of the grey image shrunk to
``(hash_size, hash_size + 1)`` with area averaging: bit ``(i, j)`` is set
when cell ``(i, j)`` is brighter than its right neighbour. It ignores size,
compression and small edits (a caliper mark, a re-encoded copy) but changes
in about half its bits between two different scans. Two images are
duplicates when their hashes differ in at most ``threshold`` bits, or when
their decoded pixels are identical; duplicates are grouped transitively
with a union-find, so a chain a~b~c ends up in one group.
"""

import hashlib
from typing import Dict, List, Sequence

import cv2
import numpy as np

from .union_find import UnionFind

__all__ = [
    'dhash',
    'hamming_matrix',
    'find_duplicate_groups',
    'pixel_digest',
]

# Number of set bits of every byte value.
_POPCOUNT = np.array([bin(i).count('1') for i in range(256)], dtype=np.uint16)


def dhash(gray: np.ndarray, hash_size: int = 16) -> np.ndarray:
    """Difference hash of a grey image.

    Args:
        gray (np.ndarray): Grey image of shape (H, W), any numeric dtype.
        hash_size (int): Side of the hash grid; the hash has
            ``hash_size ** 2`` bits.

    Returns:
        np.ndarray: Packed hash bits, uint8 of shape (hash_size ** 2 / 8,).
    """
    if gray.ndim != 2:
        raise ValueError(
            f'dhash expects a 2-D grey image, got shape '
            f'{gray.shape}; convert colour images to grey.'
        )
    small = cv2.resize(
        gray.astype(np.float32),
        (hash_size + 1, hash_size),
        interpolation=cv2.INTER_AREA,
    )
    return np.packbits(small[:, 1:] > small[:, :-1])


def pixel_digest(pixels: np.ndarray) -> str:
    """Digest of decoded pixels: equal digests mean identical images.

    Args:
        pixels (np.ndarray): Decoded image of any shape and dtype.

    Returns:
        str: 32 hex characters (BLAKE2b of the bytes, shape and dtype).
    """
    return hashlib.blake2b(
        pixels.tobytes() + repr((pixels.shape, str(pixels.dtype))).encode(),
        digest_size=16,
    ).hexdigest()


def hamming_matrix(hashes: np.ndarray) -> np.ndarray:
    """Pairwise Hamming distances between packed hashes.

    Args:
        hashes (np.ndarray): uint8 array of shape (N, B) from :func:`dhash`.

    Returns:
        np.ndarray: uint16 array of shape (N, N).
    """
    n = hashes.shape[0]
    out = np.zeros((n, n), dtype=np.uint16)
    for i in range(n):
        out[i] = _POPCOUNT[np.bitwise_xor(hashes, hashes[i])].sum(axis=1)
    return out


def find_duplicate_groups(
    hashes: np.ndarray, digests: Sequence[str], threshold: int = 20
) -> List[List[int]]:
    """Group images that are exact or near duplicates of each other.

    Args:
        hashes (np.ndarray): uint8 array of shape (N, B) from :func:`dhash`.
        digests (Sequence[str]): N digests of the decoded pixels; equal
            digests are exact duplicates whatever their hashes.
        threshold (int): Largest Hamming distance between the hashes of two
            near duplicates. 0 keeps exact duplicates only.

    Returns:
        list[list[int]]: Groups of two or more indices, each sorted, in
        order of their smallest index. Images without a duplicate are not
        listed.
    """
    n = len(digests)
    if hashes.shape[0] != n:
        raise ValueError(
            f'got {hashes.shape[0]} hashes but {n} digests; '
            f'pass one of each per image.'
        )
    if threshold < 0:
        raise ValueError(f'threshold must be >= 0, got {threshold}.')
    uf = UnionFind(n)
    first: Dict[str, int] = {}
    for i, d in enumerate(digests):
        if d in first:
            uf.union(first[d], i)
        else:
            first[d] = i
    if n > 1:
        dist = hamming_matrix(hashes)
        rows, cols = np.nonzero(np.triu(dist <= threshold, k=1))
        for i, j in zip(rows.tolist(), cols.tolist()):
            uf.union(i, j)
    return uf.groups()
