"""BUSSegMetric against figures worked out by hand on 4x4 masks."""

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmcosa.evaluation import BUSSegMetric


def _mask(pixels):
    mask = np.zeros((4, 4), dtype=np.int64)
    for r, c in pixels:
        mask[r, c] = 1
    return mask


BLOCK_2X2 = [(0, 0), (0, 1), (1, 0), (1, 1)]
BLOCK_2X3 = BLOCK_2X2 + [(0, 2), (1, 2)]
# (prediction, ground truth) pairs:
CASES = dict(
    over=(_mask(BLOCK_2X3), _mask(BLOCK_2X2)),  # 6 px pred covers 4 px gt
    perfect=(_mask([(2, 2), (2, 3), (3, 3)]), _mask([(2, 2), (2, 3), (3, 3)])),
    empty_pred=(_mask([]), _mask(BLOCK_2X2)),
    empty_both=(_mask([]), _mask([])),
    false_alarm=(_mask([(3, 0), (3, 1)]), _mask([])),
)


def _sample(pred, gt, as_dict=True):
    sample = SegDataSample(
        pred_sem_seg=PixelData(data=torch.from_numpy(pred)[None]),
        gt_sem_seg=PixelData(data=torch.from_numpy(gt)[None]),
    )
    return sample.to_dict() if as_dict else sample


def _areas(names):
    return np.stack([BUSSegMetric.image_areas(*CASES[n]) for n in names])


def test_image_areas():
    np.testing.assert_array_equal(
        BUSSegMetric.image_areas(*CASES['over']), [4, 6, 4, 16]
    )


def test_per_image_scores_by_hand():
    scores = BUSSegMetric.per_image_scores(_areas(CASES))
    # over: TPR 4/4, FPR 2/4, DSC 8/10, AER 2/4, IoU 4/6,
    # background IoU 10/12, mIoU 0.75
    assert scores['TPR'][0] == 1.0
    assert scores['FPR'][0] == 0.5
    assert scores['DSC'][0] == pytest.approx(0.8)
    assert scores['AER'][0] == 0.5
    assert scores['IoU'][0] == pytest.approx(4 / 6)
    assert scores['IoU_background'][0] == pytest.approx(10 / 12)
    assert scores['mIoU'][0] == pytest.approx(0.75)
    # perfect prediction: everything ideal
    for name, value in dict(TPR=1, FPR=0, DSC=1, AER=0, IoU=1, mIoU=1).items():
        assert scores[name][1] == value, name
    # empty prediction on a 4 px tumour: AER 1, background IoU 12/16
    assert scores['TPR'][2] == 0 and scores['FPR'][2] == 0
    assert scores['DSC'][2] == 0 and scores['AER'][2] == 1
    assert scores['mIoU'][2] == pytest.approx(0.375)
    # empty ground truth: TPR/FPR/AER undefined; DSC 1 or 0
    for idx in (3, 4):
        for name in ('TPR', 'FPR', 'AER'):
            assert np.isnan(scores[name][idx])
    assert scores['DSC'][3] == 1 and scores['IoU'][3] == 1
    assert scores['DSC'][4] == 0 and scores['IoU'][4] == 0
    assert scores['mIoU'][4] == pytest.approx((0 + 14 / 16) / 2)


def test_summarise_per_image_and_pooled():
    metrics = BUSSegMetric.summarise(_areas(CASES))
    # TPR/FPR/AER over the three tumour images only
    assert metrics['TPR'] == pytest.approx(200 / 3)
    assert metrics['FPR'] == pytest.approx(50 / 3)
    assert metrics['AER'] == pytest.approx(50.0)
    # DSC/IoU/mIoU over all five images
    assert metrics['DSC'] == pytest.approx(56.0)
    assert metrics['IoU'] == pytest.approx((4 / 6 + 2) / 5 * 100)
    assert metrics['mIoU'] == pytest.approx(3.5625 / 5 * 100)
    # pooled: inter 7, pred 11, gt 11, union 15, valid 80
    assert metrics['pooled/TPR'] == pytest.approx(700 / 11)
    assert metrics['pooled/FPR'] == pytest.approx(400 / 11)
    assert metrics['pooled/DSC'] == pytest.approx(1400 / 22)
    assert metrics['pooled/AER'] == pytest.approx(800 / 11)
    assert metrics['pooled/IoU'] == pytest.approx(700 / 15)
    assert metrics['pooled/mIoU'] == pytest.approx(
        (7 / 15 + 65 / 73) / 2 * 100
    )
    assert metrics['num_images'] == 5
    assert metrics['num_empty_gt'] == 2
    assert metrics['empty_gt/clean_rate'] == 50.0


def test_no_empty_gt_gives_nan_clean_rate():
    metrics = BUSSegMetric.summarise(_areas(['perfect']))
    assert metrics['DSC'] == 100.0 and metrics['pooled/mIoU'] == 100.0
    assert np.isnan(metrics['empty_gt/clean_rate'])


def test_process_and_evaluate_with_samples():
    metric = BUSSegMetric()
    metric.dataset_meta = dict(classes=('background', 'tumour'))
    metric.process(
        {},
        [
            _sample(*CASES['over']),
            _sample(*CASES['empty_pred'], as_dict=False),
        ],
    )
    result = metric.evaluate(2)
    assert result['seg/TPR'] == 50.0
    assert result['seg/DSC'] == pytest.approx(40.0)
    assert result['seg/AER'] == pytest.approx(75.0)


def test_ignore_index_pixels_not_counted():
    gt = _mask(BLOCK_2X2)
    gt[3, 3] = 255
    pred = _mask(BLOCK_2X2 + [(3, 3)])
    np.testing.assert_array_equal(
        BUSSegMetric.image_areas(pred, gt), [4, 4, 4, 15]
    )


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match='original'):
        BUSSegMetric.image_areas(np.zeros((4, 4)), np.zeros((5, 4)))


def test_missing_field_raises():
    metric = BUSSegMetric()
    with pytest.raises(KeyError, match='gt_sem_seg'):
        metric.process({}, [dict(pred_sem_seg=dict(data=torch.zeros(4, 4)))])


def test_bad_arguments():
    with pytest.raises(TypeError, match='tumour_index'):
        BUSSegMetric(tumour_index='1')
    with pytest.raises(ValueError, match='different'):
        BUSSegMetric(tumour_index=1, ignore_index=1)
