"""Hide the lesion, or everything but it, behind a lesion-blind window.

The window around each lesion is a square (or a disc) centred on the
lesion's bounding box, whose side is the box's *longer* side plus a margin
on every side. Its shape never depends on the lesion: a tall and a wide
lesion of the same extent get the same square, so neither the outline, the
orientation nor the aspect ratio (the phantom's and BI-RADS' class cues)
leak through the mask. Only the lesion's position and largest extent do.
Each connected component of the ground-truth mask gets its own window;
``posterior=True`` extends it down to the bottom of the image, over the
lesion's posterior acoustic features.

Hidden pixels are filled with a neutral value computed from the *visible*
pixels only, so the fill carries nothing of what it hides:

- ``'median'``: the median of the visible tissue (pixels at least
  ``tissue_min`` grey levels bright, per channel), a flat patch;
- ``'inpaint'``: ``cv2.inpaint`` (Telea) from the window's edge, a smooth
  continuation of the surrounding texture.
"""

from typing import Tuple

import cv2
import numpy as np

__all__ = [
    'FILLS',
    'WINDOW_SHAPES',
    'hide_lesion',
    'keep_lesion',
    'lesion_window',
]

WINDOW_SHAPES = ('square', 'disc')
FILLS = ('median', 'inpaint')


def check_window_args(
    margin: float,
    min_margin: int,
    shape: str,
    fill: str = 'median',
    posterior: bool = False,
) -> None:
    """Raise ``ValueError`` / ``TypeError`` naming a bad window setting."""
    if not isinstance(posterior, bool):
        raise TypeError(f'posterior must be a bool, got {posterior!r}')
    if isinstance(margin, bool) or not isinstance(margin, (int, float)):
        raise TypeError(f'margin must be a number, got {margin!r}')
    if not 0 <= margin <= 5:
        raise ValueError(
            f'margin must be in [0, 5] (a fraction of the lesion extent), '
            f'got {margin}'
        )
    if isinstance(min_margin, bool) or not isinstance(min_margin, int):
        raise TypeError(f'min_margin must be an int, got {min_margin!r}')
    if min_margin < 0:
        raise ValueError(f'min_margin must be >= 0 pixels, got {min_margin}')
    if shape not in WINDOW_SHAPES:
        raise ValueError(
            f'window shape must be one of {WINDOW_SHAPES}, got {shape!r}'
        )
    if fill not in FILLS:
        raise ValueError(f'fill must be one of {FILLS}, got {fill!r}')


def lesion_window(
    mask: np.ndarray,
    margin: float = 0.25,
    min_margin: int = 4,
    shape: str = 'square',
    posterior: bool = False,
) -> np.ndarray:
    """The lesion-blind window around every lesion of ``mask``.

    For a component whose bounding box is ``w x h`` pixels, with
    ``s = max(w, h)`` and ``m = max(margin * s, min_margin)``, the window
    is the square of side ``s + 2 m`` centred on the box (``'square'``),
    or the disc of radius ``s / sqrt(2) + m`` (``'disc'``, which covers the
    same ``s x s`` square), clipped to the image. With ``posterior`` the
    window also takes the column below it, down to the bottom of the
    image: the lesion's posterior acoustic features (shadowing,
    enhancement) lie there.

    Args:
        mask (np.ndarray): ``(H, W)`` lesion mask, non-zero on the lesion.
        margin (float): Margin per side as a fraction of ``s``. Defaults
            to 0.25.
        min_margin (int): Smallest margin in pixels. Defaults to 4.
        shape (str): ``'square'`` or ``'disc'``. Defaults to ``'square'``.
        posterior (bool): Extend each window down to the image bottom.
            Defaults to False.

    Returns:
        np.ndarray: ``(H, W)`` bool window; all False for an empty mask.
    """
    check_window_args(margin, min_margin, shape, posterior=posterior)
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'mask must be (H, W), got shape {mask.shape}')
    h, w = mask.shape
    num, _, stats, _ = cv2.connectedComponentsWithStats(
        (mask > 0).astype(np.uint8), connectivity=8
    )
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    window = np.zeros((h, w), bool)
    for x0, y0, bw, bh, _ in stats[1:num]:
        cx, cy = x0 + (bw - 1) / 2.0, y0 + (bh - 1) / 2.0
        side = float(max(bw, bh))
        extra = max(margin * side, float(min_margin))
        if shape == 'square':
            half = side / 2.0 + extra
            inside = np.abs(ys - cy) <= half
        else:
            half = side / np.sqrt(2.0) + extra
            inside = (xs - cx) ** 2 + (ys - cy) ** 2 <= half**2
        if posterior:
            inside |= ys >= cy
        window |= inside & (np.abs(xs - cx) <= half)
    return window


def _median_fill(
    img: np.ndarray, visible: np.ndarray, tissue_min: int
) -> np.ndarray:
    """Per-channel median of the visible tissue (visible pixels if none
    is bright enough, 0 if nothing is visible)."""
    grey = img if img.ndim == 2 else img.max(axis=2)
    tissue = visible & (grey >= tissue_min)
    source = tissue if tissue.any() else visible
    if not source.any():
        return np.zeros(img.shape[2:], img.dtype)
    return np.median(img[source], axis=0).astype(img.dtype)


def _fill(
    img: np.ndarray, hidden: np.ndarray, fill: str, tissue_min: int
) -> np.ndarray:
    out = img.copy()
    if not hidden.any():
        return out
    if fill == 'inpaint' and not hidden.all():
        return cv2.inpaint(
            img, hidden.astype(np.uint8), 3, cv2.INPAINT_TELEA
        ).reshape(img.shape)
    out[hidden] = _median_fill(img, ~hidden, tissue_min)
    return out


def _occlude(
    img: np.ndarray,
    mask: np.ndarray,
    keep_inside: bool,
    margin: float,
    min_margin: int,
    shape: str,
    fill: str,
    tissue_min: int,
    posterior: bool,
) -> Tuple[np.ndarray, np.ndarray]:
    check_window_args(margin, min_margin, shape, fill, posterior)
    img = np.asarray(img)
    if img.dtype != np.uint8 or img.ndim not in (2, 3):
        raise ValueError(
            f'img must be a uint8 (H, W) or (H, W, C) array, got '
            f'{img.dtype} {img.shape}'
        )
    if np.asarray(mask).shape != img.shape[:2]:
        raise ValueError(
            f'mask shape {np.asarray(mask).shape} does not match the image '
            f'{img.shape[:2]}; load both at the original size'
        )
    window = lesion_window(mask, margin, min_margin, shape, posterior)
    hidden = ~window if keep_inside else window
    return _fill(img, hidden, fill, tissue_min), hidden


def hide_lesion(
    img: np.ndarray,
    mask: np.ndarray,
    margin: float = 0.25,
    min_margin: int = 4,
    shape: str = 'square',
    fill: str = 'median',
    tissue_min: int = 10,
    posterior: bool = False,
) -> Tuple[np.ndarray, np.ndarray]:
    """Hide the lesion neighbourhood (the window) and keep the rest.

    Args:
        img (np.ndarray): uint8 ``(H, W)`` or ``(H, W, C)`` image.
        mask (np.ndarray): ``(H, W)`` ground-truth lesion mask.
        margin, min_margin, shape, posterior: See :func:`lesion_window`.
        fill (str): ``'median'`` or ``'inpaint'`` (see the module notes).
            Defaults to ``'median'``.
        tissue_min (int): Grey level below which a pixel counts as
            background (black sector border), not tissue, for the median.
            Defaults to 10.

    Returns:
        tuple[np.ndarray, np.ndarray]: The occluded image (same shape and
        dtype) and the ``(H, W)`` bool map of the hidden pixels.
    """
    return _occlude(
        img,
        mask,
        False,
        margin,
        min_margin,
        shape,
        fill,
        tissue_min,
        posterior,
    )


def keep_lesion(
    img: np.ndarray,
    mask: np.ndarray,
    margin: float = 0.25,
    min_margin: int = 4,
    shape: str = 'square',
    fill: str = 'median',
    tissue_min: int = 10,
    posterior: bool = False,
) -> Tuple[np.ndarray, np.ndarray]:
    """Keep only the lesion neighbourhood (the window), hide the rest.

    Args and returns as :func:`hide_lesion`; here the fill comes from the
    window's own tissue.
    """
    return _occlude(
        img,
        mask,
        True,
        margin,
        min_margin,
        shape,
        fill,
        tissue_min,
        posterior,
    )
