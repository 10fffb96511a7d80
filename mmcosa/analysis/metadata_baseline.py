"""How well the acquisition metadata alone predicts the class.

Features of each image: its original height, width and aspect ratio
(height / width), standardised on the training folds. An L2-penalised
logistic regression (Newton's method, a few lines of numpy for three
features) is fitted in stratified k-fold cross-validation, and every
image is scored by the model that did not see it. The out-of-fold
probabilities give the AUC and ACC a classifier reaches from the image
size alone: a floor that a model reading the lesion should clear by a
wide margin. On BUSI it is about 0.71 (AUC), on the phantom (every image
the same size) 0.5.
"""

from typing import Dict, Sequence

import numpy as np

__all__ = [
    'fit_logistic',
    'metadata_features',
    'metadata_scores',
    'stratified_folds',
]

FEATURES = ('height', 'width', 'aspect')


def metadata_features(shapes: Sequence[Sequence[int]]) -> np.ndarray:
    """Height, width, height / width of each image.

    Args:
        shapes (Sequence): ``(H, W)`` (or ``(H, W, C)``) per image.

    Returns:
        np.ndarray: ``(N, 3)`` float64.
    """
    hw = np.array([tuple(s)[:2] for s in shapes], dtype=np.float64)
    if hw.ndim != 2 or hw.shape[1] != 2 or (hw <= 0).any():
        raise ValueError('shapes must be positive (H, W) pairs')
    return np.stack([hw[:, 0], hw[:, 1], hw[:, 0] / hw[:, 1]], axis=1)


def stratified_folds(labels: Sequence[int], k: int, seed: int) -> np.ndarray:
    """Fold of each sample, stratified: each class shuffled and dealt in
    turn, so fold sizes and class counts differ by at most one.

    Args:
        labels (Sequence[int]): ``(N,)`` labels.
        k (int): Number of folds, ``2 <= k <= smallest class count``.
        seed (int): Shuffle seed.

    Returns:
        np.ndarray: ``(N,)`` fold indices in ``[0, k)``.
    """
    labels = np.asarray(labels).reshape(-1)
    classes, counts = np.unique(labels, return_counts=True)
    if k < 2 or classes.size < 2 or counts.min() < k:
        raise ValueError(
            f'stratified {k}-fold cross-validation needs two classes with '
            f'at least {k} samples each, got counts '
            f'{dict(zip(classes.tolist(), counts.tolist()))}; lower the '
            f'number of folds'
        )
    rng = np.random.default_rng(seed)
    folds = np.empty(labels.size, np.int64)
    start = 0
    for c in classes:
        idx = rng.permutation(np.flatnonzero(labels == c))
        folds[idx] = (start + np.arange(idx.size)) % k
        start = (start + idx.size) % k
    return folds


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50
) -> np.ndarray:
    """L2-penalised logistic regression by Newton's method.

    Minimises ``sum(logloss) + l2 / 2 * |w|^2`` (the intercept is not
    penalised).

    Args:
        x (np.ndarray): ``(N, D)`` features.
        y (np.ndarray): ``(N,)`` targets in {0, 1}.
        l2 (float): Penalty, > 0. Defaults to 1.0.
        iters (int): Newton steps at most. Defaults to 50.

    Returns:
        np.ndarray: ``(D + 1,)`` weights, intercept first.
    """
    if l2 <= 0:
        raise ValueError(f'l2 must be > 0, got {l2}')
    xb = np.hstack([np.ones((x.shape[0], 1)), x])
    y = np.asarray(y, dtype=np.float64)
    penalty = np.full(xb.shape[1], float(l2))
    penalty[0] = 0.0
    w = np.zeros(xb.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty)
        # the tiny ridge keeps the intercept solvable with one class only
        step = np.linalg.solve(hess + 1e-9 * np.eye(w.size), grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def metadata_scores(
    shapes: Sequence[Sequence[int]],
    labels: Sequence[int],
    num_folds: int = 5,
    seed: int = 0,
    l2: float = 1.0,
) -> Dict[str, np.ndarray]:
    """Out-of-fold probabilities of label 1 from the image size.

    Args:
        shapes (Sequence): ``(H, W)`` of each image (original size).
        labels (Sequence[int]): ``(N,)`` labels in {0, 1}.
        num_folds (int): Folds of the stratified cross-validation.
            Defaults to 5.
        seed (int): Fold seed. Defaults to 0.
        l2 (float): Logistic-regression penalty. Defaults to 1.0.

    Returns:
        dict: ``probs`` ``(N, 2)`` (benign, malignant) out-of-fold class
        probabilities, ``folds`` ``(N,)``, ``features`` ``(N, 3)``.
    """
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if not np.isin(labels, (0, 1)).all():
        raise ValueError('labels must be 0 (benign) or 1 (malignant)')
    feats = metadata_features(shapes)
    if feats.shape[0] != labels.size:
        raise ValueError(
            f'{feats.shape[0]} shapes but {labels.size} labels; give one '
            f'of each per image'
        )
    folds = stratified_folds(labels, num_folds, seed)
    p1 = np.empty(labels.size)
    for k in range(num_folds):
        train, test = folds != k, folds == k
        mean = feats[train].mean(axis=0)
        std = feats[train].std(axis=0)
        std[std == 0] = 1.0  # a constant feature stays 0: no information
        w = fit_logistic((feats[train] - mean) / std, labels[train], l2)
        z = w[0] + ((feats[test] - mean) / std) @ w[1:]
        p1[test] = 1.0 / (1.0 + np.exp(-z))
    return dict(
        probs=np.stack([1 - p1, p1], axis=1), folds=folds, features=feats
    )
