"""BUSClsMetric against figures worked out by hand on five scores."""

import json

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData
from mmpretrain.structures import DataSample
from mmseg.structures import SegDataSample

from mmcosa.evaluation import BUSClsMetric, BUSSegMetric

# (benign score, malignant score), true label. Labels: 0 benign, 1 malignant.
# Sample 1 (benign) and sample 3 (malignant) tie on the benign score 0.6.
SCORES = [(0.9, 0.1), (0.6, 0.4), (0.4, 0.6), (0.6, 0.4), (0.2, 0.8)]
LABELS = [0, 0, 0, 1, 1]


def _samples(scores=SCORES, labels=LABELS, with_pred_label=True):
    samples = []
    for score, label in zip(scores, labels):
        sample = SegDataSample()
        sample.pred_score = torch.tensor(score)
        if with_pred_label:
            sample.pred_label = torch.tensor([int(np.argmax(score))])
        sample.gt_label = torch.tensor([label])
        samples.append(sample.to_dict())
    return samples


def _evaluate(metric, samples):
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_benign_positive_by_hand():
    # benign positive: TP 2 (s0, s1), FN 1 (s2), FP 1 (s3), TN 1 (s4)
    metric = BUSClsMetric()
    result = _evaluate(metric, _samples())
    assert result['cls/TPR'] == pytest.approx(200 / 3)
    assert result['cls/FPR'] == pytest.approx(50.0)
    assert result['cls/ACC'] == pytest.approx(60.0)
    assert result['cls/PRE'] == pytest.approx(200 / 3)
    assert result['cls/F1'] == pytest.approx(200 / 3)
    # pairs (pos, neg): 0.9>0.6, 0.9>0.2, 0.6=0.6 (1/2), 0.6>0.2,
    # 0.4<0.6, 0.4>0.2 -> 4.5 / 6
    assert result['cls/AUC'] == pytest.approx(0.75)
    # malignant positive beside it: sensitivity 1/2, specificity 2/3
    assert result['cls/malignant/sensitivity'] == pytest.approx(50.0)
    assert result['cls/malignant/specificity'] == pytest.approx(200 / 3)
    assert result['cls/num_samples'] == 5
    # ROC over distinct thresholds 0.9, 0.6 (tie: diagonal step), 0.4, 0.2
    np.testing.assert_allclose(metric.roc['fpr'], [0, 0, 0.5, 0.5, 1])
    np.testing.assert_allclose(metric.roc['tpr'], [0, 1 / 3, 2 / 3, 1, 1])
    assert metric.roc['thresholds'][0] == float('inf')
    assert metric.roc['thresholds'][1:] == pytest.approx([0.9, 0.6, 0.4, 0.2])
    assert np.trapezoid(metric.roc['tpr'], metric.roc['fpr']) == pytest.approx(
        0.75
    )
    assert metric.scores['score'] == pytest.approx([0.9, 0.6, 0.4, 0.6, 0.2])


def test_positive_class_switch():
    result = _evaluate(BUSClsMetric(positive_class='malignant'), _samples())
    # malignant positive: TP 1 (s4), FN 1 (s3), FP 1 (s2), TN 2
    assert result['cls/TPR'] == pytest.approx(50.0)
    assert result['cls/FPR'] == pytest.approx(100 / 3)
    assert result['cls/ACC'] == pytest.approx(60.0)
    assert result['cls/PRE'] == pytest.approx(50.0)
    assert result['cls/F1'] == pytest.approx(50.0)
    assert result['cls/AUC'] == pytest.approx(0.75)
    assert result['cls/malignant/sensitivity'] == result['cls/TPR']
    by_label = _evaluate(BUSClsMetric(positive_class=1), _samples())
    assert by_label == result


def test_auc_ties_and_extremes():
    auc = BUSClsMetric.auc
    assert auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.5
    assert auc([0.9, 0.8, 0.2], [1, 1, 0]) == 1.0
    assert auc([0.1, 0.2, 0.9], [1, 1, 0]) == 0.0
    # 2 positives {0.7, 0.3}, 2 negatives {0.7, 0.1}:
    # 0.7=0.7 (1/2), 0.7>0.1, 0.3<0.7, 0.3>0.1 -> 2.5 / 4
    assert auc([0.7, 0.3, 0.7, 0.1], [1, 1, 0, 0]) == 0.625
    assert np.isnan(auc([0.3, 0.4], [1, 1]))
    roc = BUSClsMetric.roc_curve([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])
    np.testing.assert_allclose(roc['fpr'], [0, 1])
    np.testing.assert_allclose(roc['tpr'], [0, 1])


def test_perfect_prediction():
    scores = [(0.9, 0.1), (0.8, 0.2), (0.3, 0.7)]
    result = _evaluate(BUSClsMetric(), _samples(scores, [0, 0, 1]))
    for name in ('TPR', 'ACC', 'PRE', 'F1'):
        assert result[f'cls/{name}'] == 100.0
    assert result['cls/FPR'] == 0.0 and result['cls/AUC'] == 1.0


def test_normals_excluded_and_pred_label_from_argmax():
    scores = SCORES + [(0.1, 0.9)]
    labels = LABELS + [2]
    result = _evaluate(
        BUSClsMetric(), _samples(scores, labels, with_pred_label=False)
    )
    assert result['cls/num_excluded'] == 1
    assert result['cls/num_samples'] == 5
    assert result['cls/AUC'] == pytest.approx(0.75)
    assert result['cls/ACC'] == pytest.approx(60.0)


def test_third_class_prediction_counts_negative():
    # a 3-class model predicting 'normal' (2) on a benign image: FN
    out = BUSClsMetric.binary_metrics(
        np.array([2, 0]), np.array([0, 1]), positive=0
    )
    assert (out['TP'], out['FN'], out['FP'], out['TN']) == (0, 1, 1, 0)
    assert out['ACC'] == 0.0 and out['PRE'] == 0.0


def test_mmpretrain_data_samples_and_roc_file(tmp_path):
    samples = []
    for score, label in zip(SCORES, LABELS):
        sample = (
            DataSample()
            .set_gt_label(label)
            .set_pred_score(torch.tensor(score))
            .set_pred_label(int(np.argmax(score)))
        )
        samples.append(sample.to_dict())
    roc_file = tmp_path / 'sub' / 'roc.json'
    result = _evaluate(BUSClsMetric(roc_file=str(roc_file)), samples)
    assert result['cls/AUC'] == pytest.approx(0.75)
    saved = json.loads(roc_file.read_text())
    assert saved['roc']['auc'] == pytest.approx(0.75)
    assert saved['scores']['gt_label'] == LABELS


def test_evaluator_with_both_metrics():
    evaluator = Evaluator([BUSSegMetric(), BUSClsMetric()])
    evaluator.dataset_meta = dict(
        classes=('background', 'tumour'), cls_classes=('benign', 'malignant')
    )
    samples = []
    for score, label in zip(SCORES, LABELS):
        sample = SegDataSample(
            pred_sem_seg=PixelData(data=torch.ones(1, 2, 2, dtype=int)),
            gt_sem_seg=PixelData(data=torch.ones(1, 2, 2, dtype=int)),
        )
        sample.pred_score = torch.tensor(score)
        sample.gt_label = torch.tensor([label])
        samples.append(sample)
    evaluator.process(samples)
    result = evaluator.evaluate(5)
    assert result['seg/DSC'] == 100.0
    assert result['cls/AUC'] == pytest.approx(0.75)


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match='positive_class'):
        BUSClsMetric(positive_class='cancer')
    with pytest.raises(ValueError, match='0 \\(benign\\)'):
        BUSClsMetric(positive_class=2)
    with pytest.raises(TypeError, match='str or int'):
        BUSClsMetric(positive_class=1.0)
    with pytest.raises(TypeError, match='roc_file'):
        BUSClsMetric(roc_file=3)
    with pytest.raises(KeyError, match='pred_score'):
        BUSClsMetric().process({}, [dict(gt_label=torch.tensor([0]))])
    metric = BUSClsMetric(positive_class='malignant')
    metric.process(
        {}, [dict(pred_score=torch.tensor([1.0]), gt_label=torch.tensor([0]))]
    )
    with pytest.raises(ValueError, match='too few'):
        metric.evaluate(1)


def test_summarise_offline_with_other_positive_class():
    metric = BUSClsMetric()  # benign positive
    _evaluate(metric, _samples())
    offline, roc = BUSClsMetric.summarise(
        metric.scores['probs'],
        metric.scores['all_gt_label'],
        metric.scores['all_pred_label'],
        positive=1,
    )
    online = _evaluate(BUSClsMetric(positive_class='malignant'), _samples())
    for key, value in offline.items():
        assert online[f'cls/{key}'] == pytest.approx(value), key
    assert roc['positive_class'] == 'malignant'
