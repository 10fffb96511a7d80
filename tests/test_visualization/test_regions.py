"""Reading COSA region maps: margin and label map."""

import numpy as np
import pytest
import torch

import mmcosa.apis
from mmcosa.visualization import (
    REGION_LABELS,
    draw_overlay,
    region_labels,
    region_margin,
)


def _maps():
    maps = np.zeros((3, 4, 6), np.float32)
    maps[0] = 1
    maps[:, 1:3, 2:4] = np.array([0, 1, 0])[:, None, None]
    maps[:, 0, :] = np.array([0, 0, 1])[:, None]
    maps[:, 3, 5] = [0.0, 0.5, 0.5]  # a mean of views: a tie
    maps[:, 3, 4] = [0.2, 0.2, 0.6]
    return maps


def test_region_margin_thresholds_and_resizes():
    margin = region_margin(torch.from_numpy(_maps()))
    expected = np.zeros((4, 6), bool)
    expected[0] = True
    expected[3, 4] = True
    np.testing.assert_array_equal(margin, expected)
    big = region_margin(_maps(), (8, 12))
    np.testing.assert_array_equal(big, expected.repeat(2, 0).repeat(2, 1))


def test_region_labels_are_the_argmax():
    labels = region_labels(_maps())
    assert labels.dtype == np.uint8 and REGION_LABELS[2] == 'margin'
    expected = np.zeros((4, 6), np.uint8)
    expected[1:3, 2:4] = 1
    expected[0] = 2
    expected[3, 5], expected[3, 4] = 1, 2
    np.testing.assert_array_equal(labels, expected)


@pytest.mark.parametrize('shape', [(2, 4, 6), (4, 6)])
def test_region_maps_of_the_wrong_shape(shape):
    with pytest.raises(ValueError, match=r'must have shape \(3, H, W\)'):
        region_labels(np.zeros(shape))
    with pytest.raises(ValueError, match=r'must have shape \(3, H, W\)'):
        region_margin(np.zeros(shape))


def test_apis_reexports_the_drawing():
    assert mmcosa.apis.draw_overlay is draw_overlay
