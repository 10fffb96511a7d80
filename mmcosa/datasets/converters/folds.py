"""Stratified k-fold assignment that keeps groups of images together."""

from typing import List, Sequence

import numpy as np

__all__ = ['stratified_group_folds']


def stratified_group_folds(
    labels: Sequence[int],
    groups: Sequence[Sequence[int]],
    num_folds: int = 5,
    seed: int = 0,
) -> List[int]:
    """Assign every image a test fold, stratified by label, groups intact.

    Every image is in exactly one group (a singleton or a duplicate group).
    Groups are dealt out largest first (ties in a seeded random order),
    each to the fold that holds the fewest images of the group's label so
    far (then the fewest images, then the lowest index). With singletons
    to fill the gaps, every fold ends within one image of
    ``count(label) / num_folds`` for every label. The result depends only
    on the inputs and ``seed``.

    Args:
        labels (Sequence[int]): Label of each image, length N.
        groups (Sequence[Sequence[int]]): Partition of ``range(N)``. A
            group whose members disagree is stratified by its most common
            label.
        num_folds (int): Number of folds K, at least 2.
        seed (int): Seed for the order of equally sized groups.

    Returns:
        list[int]: Fold index in ``0..K-1`` of each image.

    Raises:
        ValueError: If ``groups`` is not a partition of the images or there
            are fewer groups than folds.
    """
    n = len(labels)
    if not isinstance(num_folds, int) or num_folds < 2:
        raise ValueError(f'num_folds must be an int >= 2, got {num_folds!r}.')
    seen = sorted(i for g in groups for i in g)
    if seen != list(range(n)):
        raise ValueError('groups must hold every image index exactly once.')
    if len(groups) < num_folds:
        raise ValueError(
            f'only {len(groups)} independent image group(s) for '
            f'{num_folds} folds; use fewer folds or more images.'
        )
    classes = sorted(set(int(v) for v in labels))
    col = {c: k for k, c in enumerate(classes)}
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(groups)).tolist()
    order.sort(key=lambda g: -len(groups[g]))
    per_class = np.zeros((num_folds, len(classes)), dtype=np.int64)
    totals = np.zeros(num_folds, dtype=np.int64)
    fold_of = [-1] * n
    for g in order:
        members = list(groups[g])
        values, counts = np.unique(
            [int(labels[i]) for i in members], return_counts=True
        )
        c = col[int(values[np.argmax(counts)])]
        k = min(
            range(num_folds), key=lambda f: (per_class[f, c], totals[f], f)
        )
        for i in members:
            fold_of[i] = k
            per_class[k, col[int(labels[i])]] += 1
        totals[k] += len(members)
    return fold_of
