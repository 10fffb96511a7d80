"""The metadata-only baseline: stratified folds and logistic regression."""

import numpy as np
import pytest

from mmcosa.analysis import (
    fit_logistic,
    metadata_features,
    metadata_scores,
    stratified_folds,
)
from mmcosa.evaluation.metrics.bus_cls_metric import BUSClsMetric


def auc(out, labels) -> float:
    return BUSClsMetric.auc(out['probs'][:, 1], np.asarray(labels) == 1)


def test_size_that_predicts_the_class_gives_a_high_auc():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 60)
    heights = np.where(labels == 1, 520, 440) + rng.normal(0, 40, 120)
    widths = rng.normal(600, 50, 120)
    shapes = np.stack([heights, widths], 1).round().astype(int)
    out = metadata_scores(shapes, labels)
    assert auc(out, labels) > 0.85
    assert out['probs'].shape == (120, 2)
    np.testing.assert_allclose(out['probs'].sum(1), 1.0)


def test_size_independent_of_the_class_gives_about_half():
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1], 60)
    shapes = rng.integers(300, 700, (120, 2))
    assert abs(auc(metadata_scores(shapes, labels), labels) - 0.5) < 0.15


def test_one_size_for_all_gives_exactly_half():
    labels = np.repeat([0, 1], 10)
    out = metadata_scores([(128, 128)] * 20, labels)
    assert auc(out, labels) == 0.5


def test_features():
    np.testing.assert_allclose(
        metadata_features([(100, 200), (300, 150, 3)]),
        [[100, 200, 0.5], [300, 150, 2.0]],
    )
    with pytest.raises(ValueError, match='positive'):
        metadata_features([(0, 10)])


def test_stratified_folds_balance_and_seed():
    labels = np.array([0] * 23 + [1] * 12)
    folds = stratified_folds(labels, 5, seed=3)
    sizes = np.bincount(folds)
    assert sizes.max() - sizes.min() <= 1
    for c in (0, 1):
        per_class = np.bincount(folds[labels == c], minlength=5)
        assert per_class.max() - per_class.min() <= 1
    np.testing.assert_array_equal(folds, stratified_folds(labels, 5, 3))
    assert not np.array_equal(folds, stratified_folds(labels, 5, 4))
    with pytest.raises(ValueError, match='at least 5 samples'):
        stratified_folds([0] * 10 + [1] * 4, 5, 0)


def test_logistic_regression_reaches_the_penalised_optimum():
    """The gradient of the penalised log-loss vanishes at the solution."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(80, 3))
    y = (x @ [1.5, -2.0, 0.5] + rng.normal(size=80) > 0).astype(float)
    w = fit_logistic(x, y, l2=2.0)
    xb = np.hstack([np.ones((80, 1)), x])
    p = 1 / (1 + np.exp(-(xb @ w)))
    grad = xb.T @ (p - y) + 2.0 * np.r_[0.0, w[1:]]
    assert np.abs(grad).max() < 1e-6
    assert w[1] > 0 > w[2]
    with pytest.raises(ValueError, match='l2'):
        fit_logistic(x, y, l2=0)


def test_label_errors():
    with pytest.raises(ValueError, match='benign'):
        metadata_scores([(1, 1)] * 4, [0, 1, 2, 1])
    with pytest.raises(ValueError, match='one of each'):
        metadata_scores([(1, 1)] * 4, [0, 1] * 5, num_folds=2)
