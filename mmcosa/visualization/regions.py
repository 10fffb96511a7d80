"""Read the COSA region maps of a prediction for drawing and saving."""

from typing import Optional, Tuple, Union

import cv2
import numpy as np
from torch import Tensor

__all__ = ['REGION_LABELS', 'region_labels', 'region_margin']

#: Label of each region in :func:`region_labels`, index = channel of the
#: maps (``COSANeck``'s order).
REGION_LABELS = ('background', 'tumour', 'margin')

Maps = Union[Tensor, np.ndarray]


def _as_array(regions: Maps) -> np.ndarray:
    if isinstance(regions, Tensor):
        regions = regions.detach().float().cpu().numpy()
    regions = np.asarray(regions)
    if regions.ndim != 3 or regions.shape[0] != len(REGION_LABELS):
        raise ValueError(
            f'region maps must have shape (3, H, W) (background, tumour, '
            f'margin), got {regions.shape}.'
        )
    return regions


def region_margin(
    regions: Maps, shape: Optional[Tuple[int, int]] = None
) -> np.ndarray:
    """The margin ring of region maps, as a boolean image.

    Args:
        regions (Tensor | np.ndarray): (3, H, W) maps, e.g.
            ``sample.pred_regions.data``; fractions (slide inference, TTA)
            count as margin above 0.5.
        shape (tuple[int, int], optional): (H', W') to resize to
            (nearest); None keeps (H, W).

    Returns:
        np.ndarray: (H, W) or (H', W') bool.

    Raises:
        ValueError: If ``regions`` is not (3, H, W).
    """
    margin = _as_array(regions)[2] > 0.5
    if shape is not None and tuple(shape[:2]) != margin.shape:
        margin = cv2.resize(
            margin.astype(np.uint8),
            (int(shape[1]), int(shape[0])),
            interpolation=cv2.INTER_NEAREST,
        ).astype(bool)
    return margin


def region_labels(regions: Maps) -> np.ndarray:
    """One label per pixel: 0 background, 1 tumour, 2 margin.

    The argmax over the maps (ties to the lower label), exact for binary
    maps; the encoding of ``regions/<name>.png`` written by
    ``tools/test.py --out``.

    Args:
        regions (Tensor | np.ndarray): (3, H, W) maps.

    Returns:
        np.ndarray: (H, W) uint8 in {0, 1, 2}.

    Raises:
        ValueError: If ``regions`` is not (3, H, W).
    """
    return _as_array(regions).argmax(axis=0).astype(np.uint8)
