"""How alike two images of one view are, once aligned (the realism check).

The measure the phantom's duplicate kinds are tuned against, the same as
the check run on real BUSI (docs/en/duplicates.md): warp image ``b``
into image ``a``'s frame with the pair's true transform, blur both with a
Gaussian of sigma 2, leave out the pixels near the overlap's border, the
dark background (outside the fan, black borders) and the bright overlays
(calipers, text), and take, over the rest of the overlap, the median
absolute grey difference and the normalised cross-correlation (NCC).

On BUSI, same-frame pairs differ by at most 2 grey levels, adjacent frames
of one sweep by 3.7-14 (NCC >= 0.82) and unrelated images by >= 15.5.
"""

from typing import Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'ADJACENT_NCC',
    'ADJACENT_RANGE',
    'SAME_FRAME_MAX',
    'UNRELATED_MIN',
    'aligned_difference',
]

# what the check measured on the real BUSI download (grey levels)
SAME_FRAME_MAX = 2.0
ADJACENT_RANGE = (3.7, 14.0)
ADJACENT_NCC = 0.82
UNRELATED_MIN = 15.5

SIGMA = 2.0
DARK = 4  # blurred grey level at or below which a pixel is background
BRIGHT = 235  # raw grey level from which a pixel may be an overlay
OVERLAY_RADIUS = 5  # pixels around an overlay pixel left out (blur spread)
BORDER = 6  # pixels left out along the overlap's border (3 sigma)
MIN_PIXELS = 200


def _grey(img: np.ndarray) -> np.ndarray:
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    if img.ndim != 2:
        raise ValueError(
            f'expected a grey (H, W) or RGB (H, W, 3) image, got shape '
            f'{img.shape}'
        )
    return img.astype(np.float32)


def aligned_difference(
    img_a: np.ndarray,
    img_b: np.ndarray,
    transform: Sequence[Sequence[float]],
) -> Tuple[float, float]:
    """Median grey difference and NCC of ``b`` aligned onto ``a``.

    Args:
        img_a (np.ndarray): Grey ``(Ha, Wa)`` or RGB ``(Ha, Wa, 3)`` image.
        img_b (np.ndarray): Grey ``(Hb, Wb)`` or RGB ``(Hb, Wb, 3)`` image.
        transform (Sequence): 2x3 matrix mapping ``b``'s pixel coordinates
            ``(x, y)`` (pixel centres at integers) to ``a``'s, as in the
            phantom manifest's ``duplicate_pairs``.

    Returns:
        tuple: ``(median, ncc)``: the median absolute difference in grey
        levels of the blurred images and their normalised
        cross-correlation, over the compared pixels.
    """
    m = np.asarray(transform, dtype=np.float64)
    if m.shape != (2, 3) or not np.isfinite(m).all():
        raise ValueError(
            f'transform must be a finite 2x3 matrix, got {transform!r}'
        )
    a, b = _grey(img_a), _grey(img_b)
    size = (a.shape[1], a.shape[0])
    b_in_a = cv2.warpAffine(b, m, size, flags=cv2.INTER_LINEAR)
    cover = cv2.warpAffine(
        np.ones(b.shape, np.uint8), m, size, flags=cv2.INTER_NEAREST
    )
    disk = cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * BORDER + 1, 2 * BORDER + 1)
    )
    cover = cv2.erode(cover, disk, borderValue=0) > 0
    bright = ((a >= BRIGHT) | ((b_in_a >= BRIGHT) & cover)).astype(np.uint8)
    disk = cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * OVERLAY_RADIUS + 1,) * 2
    )
    overlay = cv2.dilate(bright, disk) > 0
    ga = cv2.GaussianBlur(a, (0, 0), SIGMA)
    gb = cv2.GaussianBlur(b_in_a, (0, 0), SIGMA)
    keep = cover & ~overlay & (ga > DARK) & (gb > DARK)
    if keep.sum() < MIN_PIXELS:
        raise ValueError(
            f'only {int(keep.sum())} pixels to compare after alignment '
            f'(need {MIN_PIXELS}); is the transform {m.tolist()} right?'
        )
    x, y = ga[keep], gb[keep]
    median = float(np.median(np.abs(x - y)))
    x, y = x - x.mean(), y - y.mean()
    ncc = float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum() + 1e-12))
    return median, ncc
