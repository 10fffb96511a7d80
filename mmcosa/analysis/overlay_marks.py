"""Find burnt-in overlay marks (calipers, text, coloured graphics), inpaint.

Scanners burn measurement calipers (``+``, ``x``), annotation text and
coloured graphics into the exported image (Pawlowska et al. 2023 count
about 295 BUSI images). They are placed by the sonographer, often only
on suspicious lesions, so a model can read the class off them. Detection,
on the brightest channel ``g`` of a uint8 image:

1. *coloured*: pixels whose channels differ by at least ``colour_min``
   (ultrasound grey has equal channels);
2. *ridges*: pixels at least ``bright_min`` bright and at least
   ``ridge_min`` brighter than both neighbours 1 or 2 pixels away along
   some direction (horizontal, vertical, two diagonals), or at least
   ``strong_ridge_min`` brighter at any brightness: thin bright lines up
   to 3 pixels wide. A black border next to tissue is not a ridge (one
   side only is darker);
3. *seeds*: ridge components no longer than ``max_extent`` (longer
   bright lines are anatomy: skin, fascia, ligaments) that hold a
   vertical or diagonal straight run of ``run`` pixels. Speckle grains
   are short along the beam, so they rarely give one (the lateral
   direction is left out for that reason), while caliper arms and text
   strokes do;
4. ridge components of at least ``min_area`` pixels within 7 pixels
   sideways of a seed join it (the round letters of a text line);
5. seeds, coloured pixels and their joined components grow by up to 2
   pixels into pixels ``grow_min`` brighter than their neighbours
   (anti-aliased edges).

On 30 phantom images (256 x 320) with two ``+`` calipers at the lesion's
ends, a coloured ``+`` and a line of ``cv2.putText`` text, this finds 93 %
of the caliper pixels, all of the text and coloured pixels, and no pixel
of the same images without marks (``docs/en/shortcut_audit.md``).
"""

from typing import Dict, Tuple

import cv2
import numpy as np

__all__ = ['detect_marks', 'inpaint_marks']

_DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))


def _ridge(grey: np.ndarray) -> np.ndarray:
    """How much brighter each pixel is than both neighbours at distance 1
    or 2 along the best direction, ``(H, W)`` int16."""
    h, w = grey.shape
    pad = 2
    g = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    g = g.astype(np.int16)
    centre = g[pad : pad + h, pad : pad + w]
    best = np.full((h, w), -255, np.int16)
    for dist in (1, 2):
        for dy, dx in _DIRECTIONS:
            dy, dx = dy * dist, dx * dist
            a = g[pad + dy : pad + dy + h, pad + dx : pad + dx + w]
            b = g[pad - dy : pad - dy + h, pad - dx : pad - dx + w]
            best = np.maximum(best, np.minimum(centre - a, centre - b))
    return best


def _components_touching(
    candidates: np.ndarray,
    seeds: np.ndarray,
    max_extent: int,
    min_area: int = 1,
) -> np.ndarray:
    """Components of ``candidates`` (8-connected) that meet ``seeds``,
    have at least ``min_area`` pixels and fit in a ``max_extent`` square."""
    num, labels, stats, _ = cv2.connectedComponentsWithStats(
        candidates.astype(np.uint8), connectivity=8
    )
    keep = np.zeros(num, bool)
    keep[np.unique(labels[seeds & candidates])] = True
    keep &= stats[:, cv2.CC_STAT_AREA] >= min_area
    extent = stats[:, [cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT]].max(axis=1)
    keep &= extent <= max_extent
    keep[0] = False
    return keep[labels]


def detect_marks(
    img: np.ndarray,
    bright_min: int = 200,
    ridge_min: int = 40,
    strong_ridge_min: int = 100,
    colour_min: int = 40,
    run: int = 5,
    min_area: int = 6,
    max_extent: int = 25,
    grow_min: int = 25,
) -> np.ndarray:
    """Map of burnt-in overlay pixels (see the module notes).

    Args:
        img (np.ndarray): uint8 ``(H, W)`` grey or ``(H, W, C)`` image.
        bright_min (int): Darkest grey level of a white mark pixel.
            Defaults to 200.
        ridge_min (int): Contrast of a mark pixel over both neighbours.
            Defaults to 40.
        strong_ridge_min (int): Contrast that makes a pixel of any
            brightness a mark pixel (grey text on a black border).
            Defaults to 100.
        colour_min (int): Channel spread of a coloured pixel. Defaults
            to 40.
        run (int): Length of the straight run that seeds a mark. Defaults
            to 5.
        min_area (int): Smallest ridge component joining a seed's text
            line. Defaults to 6.
        max_extent (int): Largest side of a white mark component's box;
            longer bright lines are anatomy (skin, fascia, Cooper's
            ligaments). Defaults to 25.
        grow_min (int): Contrast of the edge pixels a mark grows into.
            Defaults to 25.

    Returns:
        np.ndarray: ``(H, W)`` bool, True on overlay pixels.
    """
    img = np.asarray(img)
    if img.dtype != np.uint8 or img.ndim not in (2, 3):
        raise ValueError(
            f'img must be a uint8 (H, W) or (H, W, C) array, got '
            f'{img.dtype} {img.shape}'
        )
    for name, value in (
        ('bright_min', bright_min),
        ('ridge_min', ridge_min),
        ('strong_ridge_min', strong_ridge_min),
        ('colour_min', colour_min),
        ('grow_min', grow_min),
    ):
        if not 0 < value <= 255:
            raise ValueError(f'{name} must be in (0, 255], got {value}')
    if run < 2 or min_area < 1 or max_extent < run:
        raise ValueError(
            f'need run >= 2, min_area >= 1 and max_extent >= run, got '
            f'run={run}, min_area={min_area}, max_extent={max_extent}'
        )
    chans = img[..., None] if img.ndim == 2 else img
    grey = chans.max(axis=2)
    coloured = grey.astype(np.int16) - chans.min(axis=2) >= colour_min
    ridge = _ridge(grey)
    bright = grey >= bright_min
    cand = (bright & (ridge >= ridge_min)) | (ridge >= strong_ridge_min)
    lines = np.zeros(grey.shape, np.uint8)
    diag = np.eye(run, dtype=np.uint8)
    for kernel in (np.ones((run, 1), np.uint8), diag, diag[::-1].copy()):
        lines |= cv2.morphologyEx(
            cand.astype(np.uint8), cv2.MORPH_OPEN, kernel
        )
    seeds = _components_touching(cand, lines > 0, max_extent)
    reach = cv2.dilate(seeds.astype(np.uint8), np.ones((3, 15), np.uint8))
    near = _components_touching(cand, reach > 0, max_extent, min_area)
    marks = seeds | near | coloured
    edge = (ridge >= grow_min) | marks
    grown = marks.astype(np.uint8)
    for _ in range(2):
        grown = cv2.dilate(grown, np.ones((3, 3), np.uint8)) & edge
    return grown.astype(bool)


def inpaint_marks(
    img: np.ndarray, radius: int = 3, **detect_kwargs
) -> Tuple[np.ndarray, np.ndarray, Dict[str, int]]:
    """Detect overlay marks and inpaint them (Telea) from their edges.

    The detected pixels are dilated by one pixel first, to take the
    anti-aliased halo with them.

    Args:
        img (np.ndarray): uint8 ``(H, W)`` or ``(H, W, 3)`` image.
        radius (int): ``cv2.inpaint`` neighbourhood radius. Defaults to 3.
        **detect_kwargs: Passed to :func:`detect_marks`.

    Returns:
        tuple: The inpainted image (same shape and dtype), the ``(H, W)``
        bool map of inpainted pixels, and counts ``detected`` (pixels
        found) and ``inpainted`` (after the dilation).
    """
    marks = detect_marks(img, **detect_kwargs)
    if not marks.any():
        return img.copy(), marks, dict(detected=0, inpainted=0)
    region = cv2.dilate(marks.astype(np.uint8), np.ones((3, 3), np.uint8))
    out = cv2.inpaint(img, region, radius, cv2.INPAINT_TELEA)
    counts = dict(detected=int(marks.sum()), inpainted=int(region.sum()))
    return out.reshape(img.shape), region.astype(bool), counts
