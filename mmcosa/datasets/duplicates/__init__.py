"""Duplicate images at two levels (same frame, same lesion), for leak-free
cross-validation folds: see :func:`find_duplicates`."""

from .candidates import candidate_pairs, keypoint_votes
from .features import FeatureParams, ImageFeatures, extract_features, make_sift
from .finder import (
    DEDUP_MODES,
    LEVELS,
    DuplicatePair,
    DuplicateReport,
    compute_features,
    find_duplicates,
    match_features,
)
from .hashing import dhash, find_duplicate_groups, hamming_matrix, pixel_digest
from .union_find import UnionFind
from .verification import CheckParams, PairEvidence, verify_pair

__all__ = [
    'DEDUP_MODES',
    'LEVELS',
    'CheckParams',
    'DuplicatePair',
    'DuplicateReport',
    'FeatureParams',
    'ImageFeatures',
    'PairEvidence',
    'UnionFind',
    'candidate_pairs',
    'compute_features',
    'dhash',
    'extract_features',
    'find_duplicate_groups',
    'find_duplicates',
    'hamming_matrix',
    'keypoint_votes',
    'make_sift',
    'match_features',
    'pixel_digest',
    'verify_pair',
]
