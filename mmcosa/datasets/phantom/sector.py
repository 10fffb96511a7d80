"""The full fan-shaped sector view of a frame and its tight inside crop.

Some BUSI images are the scanner's whole sector: the fan of the image,
black outside, with the scanner's text and depth ticks in the black
corners; others are a tight rectangular crop of the inside of such a fan.
When both exports of one frame are in the data set they are duplicates
with different fields of view.

Fan geometry (pixel coordinates, ``y`` down): apex ``(cx, -d)`` above the
image; the fan is the set of pixels at distance ``r0 <= r <= r1`` from the
apex and within ``theta`` of the vertical. The crop is the largest
axis-aligned rectangle inside the fan, less a margin of a few pixels.
"""

from typing import List, Optional, Tuple

import numpy as np

from .marks import (
    BODY_TEXTS,
    MARK_MIN,
    TEXT_SLOTS,
    PlaceText,
    TextMark,
    add_text,
)

__all__ = ['fan_geometry', 'sector_view']

Box = Tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


def fan_geometry(
    size: Tuple[int, int], rng: np.random.Generator
) -> Tuple[np.ndarray, Box]:
    """Draw a fan for an image of ``size`` and its inside rectangle.

    Args:
        size (tuple): ``(H, W)`` of the sector image.
        rng (np.random.Generator): Random source.

    Returns:
        tuple: ``(fan, box)``: boolean ``(H, W)`` fan mask and the crop
        box ``(x0, y0, x1, y1)`` (exclusive ends), every pixel of which
        lies in the fan.
    """
    h, w = size
    cx = (w - 1) / 2
    d = rng.uniform(0.8, 1.6) * h
    r0 = d + rng.uniform(0.0, 0.03) * h
    r1 = d + rng.uniform(0.93, 0.98) * h
    theta = np.arcsin(min(0.99, rng.uniform(0.44, 0.49) * w / r1))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    dist = np.hypot(xx - cx, yy + d)
    fan = (
        (dist >= r0)
        & (dist <= r1)
        & (np.abs(xx - cx) <= (yy + d) * np.tan(theta))
    )
    half = np.arange(1, w // 2 + 1, dtype=np.float64)
    top = np.maximum.reduce(
        [np.full_like(half, r0 - d), half / np.tan(theta) - d, 0 * half]
    )
    bottom = np.minimum(np.sqrt(np.maximum(r1**2 - half**2, 0)) - d, h - 1)
    xr = half[np.argmax(2 * half * (bottom - top))]
    margin = int(rng.integers(1, 4))
    box = [
        int(np.ceil(cx - xr)) + margin,
        int(np.ceil(max(r0 - d, xr / np.tan(theta) - d, 0))) + margin,
        int(np.floor(cx + xr)) + 1 - margin,
        int(np.floor(np.sqrt(r1**2 - xr**2) - d)) + 1 - margin,
    ]
    # rounding can leave a corner pixel outside: shrink until inside
    while box[2] - box[0] >= 8 and box[3] - box[1] >= 8:
        if fan[box[1] : box[3], box[0] : box[2]].all():
            return fan, tuple(box)
        box = [box[0] + 1, box[1] + 1, box[2] - 1, box[3] - 1]
    raise ValueError(f'no room for an 8 x 8 crop inside a fan of {size}')


def _depth_ticks(img: np.ndarray, fan: np.ndarray) -> None:
    """Centimetre ticks down the right edge, where outside the fan."""
    h, w = img.shape
    step = max(6, h // 8)
    for y in range(step, h - 2, step):
        xs = slice(w - 7, w - 2)
        if not fan[y, xs].any():
            img[y, xs] = 255


def sector_view(
    img: np.ndarray,
    masks: List[np.ndarray],
    rng: np.random.Generator,
    place: Optional[PlaceText] = None,
) -> Tuple[np.ndarray, List[np.ndarray], Box, np.ndarray, List[TextMark]]:
    """Black out everything outside a fan and write the scanner's text.

    Args:
        img (np.ndarray): Grey frame ``(H, W)`` uint8.
        masks (list[np.ndarray]): Binary lesion masks ``(H, W)``.
        rng (np.random.Generator): Random source.
        place (callable, optional): ``place(sector) -> (text, org,
            scale)`` of the body mark (see :func:`~.random_marks`).

    Returns:
        tuple: ``(sector, masks, box, overlay, texts)``: the sector image
        ``(H, W)`` uint8, the masks cut to the fan, the tight crop box
        ``(x0, y0, x1, y1)``, the boolean ``(H, W)`` mask of the pixels
        written over and the texts written (in the fan's corners).
    """
    fan, box = fan_geometry(img.shape, rng)
    plain = np.where(fan, img, 0).astype(np.uint8)
    sector = plain.copy()
    masks = [(m.astype(bool) & fan).astype(np.uint8) for m in masks]
    _depth_ticks(sector, fan)
    if place is None:
        org, scale = TEXT_SLOTS[rng.integers(len(TEXT_SLOTS))]
        body = BODY_TEXTS[rng.integers(len(BODY_TEXTS))]
    else:
        body, org, scale = place(sector)
    texts = [add_text(sector, body, org, scale)]
    depth_cm = f'{rng.uniform(3, 5):.1f}cm'
    org = (img.shape[1] - 48, 12)
    texts.append(add_text(sector, depth_cm, org, 0.35, MARK_MIN))
    return sector, masks, box, sector != plain, texts
