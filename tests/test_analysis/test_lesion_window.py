"""lesion_window, hide_lesion, keep_lesion."""

import cv2
import numpy as np
import pytest

from mmcosa.analysis import hide_lesion, keep_lesion, lesion_window


def ellipse_mask(shape, centre, axes) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1, -1)
    return mask


def test_window_does_not_depend_on_the_lesion_shape():
    """A tall and a wide lesion of the same extent get the same square."""
    tall = ellipse_mask((100, 120), (60, 50), (8, 20))
    wide = ellipse_mask((100, 120), (60, 50), (20, 8))
    win_tall, win_wide = lesion_window(tall), lesion_window(wide)
    np.testing.assert_array_equal(win_tall, win_wide)
    # bounding box 41 x 41 (side s = 41), margin 0.25 * 41 = 10.25:
    # the square spans 60 +- 30.75 -> columns 30..90, rows 20..80
    ys, xs = np.nonzero(win_tall)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (30, 90, 20, 80)
    assert win_tall[tall > 0].all()


def test_min_margin_and_disc():
    dot = np.zeros((40, 40), np.uint8)
    dot[20, 10] = 1  # s = 1: the margin is min_margin
    ys, xs = np.nonzero(lesion_window(dot, margin=0.25, min_margin=4))
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (6, 14, 16, 24)
    mask = ellipse_mask((100, 100), (50, 50), (10, 10))
    disc = lesion_window(mask, shape='disc')
    square = lesion_window(mask, margin=0.0, min_margin=0)
    assert disc[square].all()  # the disc covers the s x s box
    assert not disc[0, 0] and disc[50, 50]


def test_posterior_window_reaches_the_bottom():
    mask = ellipse_mask((100, 120), (60, 40), (20, 8))
    win = lesion_window(mask, posterior=True)
    plain = lesion_window(mask)
    assert win[plain].all()
    ys, xs = np.nonzero(win)
    assert ys.max() == 99 and ys.min() == 10  # square top 40 - 30.75
    assert (xs.min(), xs.max()) == (30, 90)  # no wider than the square
    assert not win[:, :30].any() and not win[99, 91:].any()
    img = np.full((100, 120), 100, np.uint8)
    img[60:, 50:70] = 20  # a shadow below the lesion
    out, hidden = hide_lesion(img, mask, posterior=True)
    assert (out[60:, 50:70] == 100).all()


def test_one_window_per_lesion_and_empty_mask():
    mask = ellipse_mask((60, 160), (30, 30), (6, 6))
    mask |= ellipse_mask((60, 160), (130, 30), (6, 6))
    win = lesion_window(mask)
    assert win[30, 30] and win[30, 130]
    assert not win[30, 80]  # the gap between the lesions stays visible
    assert not lesion_window(np.zeros((8, 8), np.uint8)).any()


def test_hide_fills_with_the_visible_tissue_median():
    rng = np.random.default_rng(0)
    img = rng.integers(100, 200, (60, 80, 3), dtype=np.uint8)
    img[:, :10] = 0  # a black border is not tissue
    mask = ellipse_mask((60, 80), (50, 30), (8, 8))
    img[mask > 0] = 20  # a dark lesion
    out, hidden = hide_lesion(img, mask)
    expected = np.median(img[~hidden & (img.max(2) >= 10)], axis=0)
    np.testing.assert_array_equal(
        out[hidden],
        np.broadcast_to(expected.astype(np.uint8), out[hidden].shape),
    )
    np.testing.assert_array_equal(out[~hidden], img[~hidden])
    assert (out[mask > 0] > 100).all()  # no trace of the dark lesion


def test_keep_lesion_is_the_complement():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, (50, 50), dtype=np.uint8)
    mask = ellipse_mask((50, 50), (20, 25), (5, 9))
    out, hidden = keep_lesion(img, mask)
    _, hidden_b = hide_lesion(img, mask)
    np.testing.assert_array_equal(hidden, ~hidden_b)
    np.testing.assert_array_equal(out[~hidden], img[~hidden])
    assert len(np.unique(out[hidden])) == 1


def test_inpaint_fill_is_smooth_and_lesion_blind():
    img = np.full((64, 64), 150, np.uint8)
    mask = ellipse_mask((64, 64), (32, 32), (6, 12))
    img[mask > 0] = 10
    out, hidden = hide_lesion(img, mask, fill='inpaint')
    # Telea fills from the window's edge: no trace of the dark lesion
    assert np.abs(out[hidden].astype(int) - 150).max() <= 5


@pytest.mark.parametrize(
    'kwargs, err, match',
    [
        (dict(margin=-0.1), ValueError, 'margin'),
        (dict(margin='1'), TypeError, 'margin'),
        (dict(min_margin=-1), ValueError, 'min_margin'),
        (dict(min_margin=2.5), TypeError, 'min_margin'),
        (dict(shape='oval'), ValueError, 'window shape'),
        (dict(fill='blur'), ValueError, 'fill'),
        (dict(posterior=1), TypeError, 'posterior'),
    ],
)
def test_argument_errors(kwargs, err, match):
    img = np.zeros((8, 8), np.uint8)
    with pytest.raises(err, match=match):
        hide_lesion(img, img, **kwargs)


def test_image_and_mask_errors():
    with pytest.raises(ValueError, match='uint8'):
        hide_lesion(np.zeros((8, 8), np.float32), np.zeros((8, 8)))
    with pytest.raises(ValueError, match='does not match'):
        keep_lesion(np.zeros((8, 8), np.uint8), np.zeros((8, 9)))
    with pytest.raises(ValueError, match=r'\(H, W\)'):
        lesion_window(np.zeros((8, 8, 3)))
