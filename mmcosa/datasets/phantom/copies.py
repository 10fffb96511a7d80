"""Same-frame copies: crops and resizes of one image, with their transform.

Every copy ``b`` of an image ``a`` comes with the 2x3 matrix that maps
``b``'s pixel coordinates ``(x, y)`` (pixel centres at integers, as in
``cv2.warpAffine``) to ``a``'s: ``[[sx, 0, tx], [0, sy, ty]]``. ``sx`` and
``sy`` differ only by the rounding of the copy's size (below 1 %), so the
matrix is a similarity up to that rounding. Masks follow the image through
the same matrix (nearest neighbour), so they stay binary and aligned.
"""

from typing import List, Tuple

import cv2
import numpy as np

__all__ = ['Transform', 'crop_resize', 'identity']

Transform = List[List[float]]


def identity() -> Transform:
    """The transform of a copy with unchanged pixel positions."""
    return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


def crop_resize(
    img: np.ndarray,
    masks: List[np.ndarray],
    box: Tuple[int, int, int, int],
    size: Tuple[int, int],
) -> Tuple[np.ndarray, List[np.ndarray], Transform]:
    """Crop ``box`` out of ``img`` and resize it to ``size``.

    Shrinking averages pixel areas (``INTER_AREA``), enlarging is bilinear;
    masks are resampled with the same geometry, nearest neighbour.

    Args:
        img (np.ndarray): Grey image ``(H, W)`` uint8.
        masks (list[np.ndarray]): Binary masks ``(H, W)`` uint8.
        box (tuple): ``(x0, y0, x1, y1)`` inside the image, exclusive
            ends.
        size (tuple): ``(H', W')`` of the copy.

    Returns:
        tuple: ``(copy, masks, transform)``: the copy ``(H', W')``, its
        masks and the 2x3 matrix mapping copy pixels to ``img`` pixels.
    """
    h, w = img.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in box)
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise ValueError(f'box {box} is not inside an image of {(h, w)}')
    hb, wb = (int(v) for v in size)
    if min(hb, wb) < 8:
        raise ValueError(f'size must be at least 8 x 8, got {size}')
    crop = img[y0:y1, x0:x1]
    sx, sy = (x1 - x0) / wb, (y1 - y0) / hb
    if (wb, hb) == (x1 - x0, y1 - y0):
        out = crop.copy()
    else:
        interp = cv2.INTER_AREA if sx * sy > 1 else cv2.INTER_LINEAR
        out = cv2.resize(crop, (wb, hb), interpolation=interp)
    transform = [
        [sx, 0.0, x0 + 0.5 * sx - 0.5],
        [0.0, sy, y0 + 0.5 * sy - 0.5],
    ]
    inverse = cv2.WARP_INVERSE_MAP | cv2.INTER_NEAREST
    out_masks = [
        cv2.warpAffine(m, np.array(transform), (wb, hb), flags=inverse)
        for m in masks
    ]
    return out, out_masks, np.round(transform, 6).tolist()
