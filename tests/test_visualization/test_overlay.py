"""Margin ring and overlay drawing."""

import numpy as np
import pytest

from mmcosa.visualization import (
    MARGIN_COLOUR,
    PRED_COLOUR,
    draw_overlay,
    margin_ring,
)


def _square(size=64, lo=20, hi=40):
    mask = np.zeros((size, size), np.uint8)
    mask[lo:hi, lo:hi] = 1
    return mask


def test_margin_ring_straddles_contour():
    ring = margin_ring(_square(), dilation_size=5)
    # gradient band rows 19..20 (and 39..40), dilated by 2 on each side
    assert ring[17:23, 30].all() and not ring[16, 30] and not ring[23, 30]
    assert ring[37:43, 30].all() and not ring[36, 30] and not ring[43, 30]
    assert not ring[30, 30]  # tumour centre
    assert not margin_ring(np.zeros((8, 8))).any()


def test_draw_overlay_contour_ring_and_strip():
    image = np.full((300, 300, 3), 100, np.uint8)
    mask = np.zeros((300, 300), np.uint8)
    mask[100:200, 100:200] = 1
    out = draw_overlay(image, mask, pred_class='malignant', malignancy=0.9)
    strip = out.shape[0] - 300
    assert out.shape[1:] == (300, 3) and strip > 10
    body = out[strip:]
    # red contour on the top edge (anti-aliased)
    np.testing.assert_allclose(body[100, 150], PRED_COLOUR, atol=20)
    ring_pixel = body[96, 150].astype(float)  # in the ring, off contour
    expected = 100 * 0.6 + np.array(MARGIN_COLOUR) * 0.4
    np.testing.assert_allclose(ring_pixel, expected, atol=1)
    assert tuple(body[150, 150]) == (100, 100, 100)  # interior untouched
    assert tuple(body[5, 5]) == (100, 100, 100)
    assert draw_overlay(image).shape == (300, 300, 3)  # nothing to draw


def test_draw_overlay_enlarges_small_images_and_checks_shapes():
    out = draw_overlay(np.zeros((32, 48), np.uint8), _square(48)[:32])
    assert out.shape == (32 * 6, 48 * 6, 3)
    with pytest.raises(ValueError, match='mask of shape'):
        draw_overlay(np.zeros((32, 32, 3), np.uint8), np.zeros((30, 32)))
