"""The ROC figure of a cross-validation summary."""

import cv2

from mmcosa.evaluation.crossval import summarise_folds
from mmcosa.visualization import plot_roc
from tests.test_evaluation.test_crossval.fold_results import RESULTS


def test_plot_roc(tmp_path):
    summary = summarise_folds(RESULTS, method='tiny')
    out = plot_roc(summary['roc'], str(tmp_path / 'a' / 'roc.png'))
    img = cv2.imread(out)
    assert img is not None and img.shape[0] > 300
