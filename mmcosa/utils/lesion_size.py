"""A predicted lesion's size in millimetres.

The pixel size comes from the DICOM ultrasound region that holds the
lesion (:func:`region_pixel_size`); the sizes are those of the mask at the
image's original size, where the region's deltas apply:

- **area**: every mask pixel, ``count * dx * dy``;
- **longest diameter**: the maximum Feret (caliper) diameter of the
  largest connected component (8-connected), measured between the outer
  corners of its pixels, so a ``w x h`` rectangle gives
  ``sqrt((w * dx)**2 + (h * dy)**2)``. The corners are scaled to mm before
  the longest distance is taken, so ``dx != dy`` is measured right.
"""

from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from .dicom_io import UltrasoundRegion

__all__ = [
    'lesion_area_mm2',
    'lesion_box',
    'longest_diameter_mm',
    'region_pixel_size',
]

PixelSize = Tuple[float, float]
#: Pixel-corner offsets, in half pixels.
_CORNERS = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], np.int64)


def lesion_box(mask: np.ndarray) -> Optional[Tuple[int, int, int, int]]:
    """``(x0, y0, x1, y1)`` of the mask's pixels, inclusive; None if none."""
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def lesion_area_mm2(mask: np.ndarray, pixel_size_mm: PixelSize) -> float:
    """Area of all mask pixels in mm².

    Args:
        mask (np.ndarray): ``(H, W)`` mask, nonzero = lesion.
        pixel_size_mm (tuple[float]): ``(dy, dx)`` in mm.
    """
    dy, dx = pixel_size_mm
    return float(np.count_nonzero(mask)) * dy * dx


def longest_diameter_mm(
    mask: np.ndarray, pixel_size_mm: PixelSize
) -> Optional[float]:
    """Maximum Feret diameter of the largest lesion, in mm.

    Args:
        mask (np.ndarray): ``(H, W)`` mask, nonzero = lesion.
        pixel_size_mm (tuple[float]): ``(dy, dx)`` in mm.

    Returns:
        float | None: The diameter; None for an empty mask.
    """
    num, labels, stats, _ = cv2.connectedComponentsWithStats(
        (np.asarray(mask) != 0).astype(np.uint8), connectivity=8
    )
    if num < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    contours, _ = cv2.findContours(
        (labels == largest).astype(np.uint8),
        cv2.RETR_EXTERNAL,
        cv2.CHAIN_APPROX_SIMPLE,
    )
    centres = np.concatenate(contours).reshape(-1, 2).astype(np.int64)
    # pixel corners in half-pixel units; the hull is taken before scaling
    # (scaling keeps a point set's hull vertices)
    corners = (centres[:, None] * 2 + _CORNERS).reshape(-1, 2)
    hull = cv2.convexHull(corners.astype(np.int32)).reshape(-1, 2)
    dy, dx = pixel_size_mm
    points = hull * np.array([dx / 2.0, dy / 2.0])
    gaps = points[:, None, :] - points[None, :, :]
    return float(np.sqrt((gaps**2).sum(-1)).max())


def region_pixel_size(
    mask: np.ndarray, regions: Sequence[UltrasoundRegion]
) -> Tuple[Optional[PixelSize], str]:
    """The pixel size of the ultrasound region that holds the lesion.

    The region must hold the bounding box of every mask pixel. Of several
    that do, one with deltas in cm is taken, the smallest if more.

    Args:
        mask (np.ndarray): ``(H, W)`` mask at the original size.
        regions (Sequence[UltrasoundRegion]): The file's regions.

    Returns:
        tuple: ``((dy, dx) in mm, note)`` when a region gives it, the note
        naming the region and its pixel size; else ``(None, why)``.
    """
    if not regions:
        return None, 'no ultrasound region (0018,6011) in the file'
    box = lesion_box(mask)
    if box is None:
        return None, 'no lesion predicted'
    holders = [(i, r) for i, r in enumerate(regions, 1) if r.holds(box)]
    if not holders:
        touched = sum(r.overlaps(box) for r in regions)
        where = f'lesion box x {box[0]}-{box[2]}, y {box[1]}-{box[3]}'
        if touched > 1:
            return None, f'{where} spans {touched} ultrasound regions'
        if touched == 1:
            return None, f'{where} extends beyond its ultrasound region'
        return None, f'{where} lies outside the ultrasound regions'

    def box_area(item):
        x0, y0, x1, y1 = item[1].box
        return (x1 - x0 + 1) * (y1 - y0 + 1)

    usable = [item for item in holders if not item[1].problem]
    if not usable:
        index, region = min(holders, key=box_area)
        return None, f'ultrasound region {index}: {region.problem}'
    index, region = min(usable, key=box_area)
    dy, dx = region.pixel_size_mm
    return (dy, dx), (
        f'pixel {dx:.4g} x {dy:.4g} mm (dx x dy) from ultrasound region '
        f'{index}'
    )
