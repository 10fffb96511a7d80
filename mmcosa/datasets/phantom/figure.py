"""A montage of phantom cases for documentation."""

from pathlib import Path
from typing import Union

import cv2
import numpy as np

from ..metainfo import CLS_CLASSES
from .generator import generate_sample

__all__ = ['phantom_montage']

# BGR contour colours: benign green, malignant red
CONTOUR_COLORS = {0: (80, 220, 80), 1: (60, 60, 255)}


def phantom_montage(
    out: Union[str, Path, None] = None,
    seed: int = 0,
    per_class: int = 4,
    img_size: int = 256,
    gap: int = 4,
) -> np.ndarray:
    """Draw benign (top row) and malignant (bottom row) phantom cases.

    Each tile carries its mask contour (green benign, red malignant) and
    a class caption.

    Args:
        out (str | Path, optional): PNG file to write. Defaults to None.
        seed (int): Phantom seed. Defaults to 0.
        per_class (int): Cases per row. Defaults to 4.
        img_size (int): Side of each case. Defaults to 256.
        gap (int): White gap between tiles in pixels. Defaults to 4.

    Returns:
        np.ndarray: The montage, BGR uint8 of shape
        ``(2 * S + gap, n * S + (n - 1) * gap, 3)``.
    """
    rows, index = {0: [], 1: []}, 0
    while min(len(r) for r in rows.values()) < per_class:
        sample = generate_sample(seed, index, img_size, 0.5)
        index += 1
        label = sample['label']
        if len(rows[label]) >= per_class:
            continue
        tile = cv2.cvtColor(sample['img'], cv2.COLOR_GRAY2BGR)
        contours, _ = cv2.findContours(
            sample['mask'], cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
        )
        cv2.drawContours(
            tile, contours, -1, CONTOUR_COLORS[label], 1, cv2.LINE_AA
        )
        text = CLS_CLASSES[label]
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)
        cv2.rectangle(
            tile,
            (2, img_size - th - 12),
            (tw + 10, img_size - 2),
            (0, 0, 0),
            -1,
        )
        cv2.putText(
            tile,
            text,
            (6, img_size - 8),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45,
            CONTOUR_COLORS[label],
            1,
            cv2.LINE_AA,
        )
        rows[label].append(tile)
    white = 255
    lines = []
    for label in (0, 1):
        tiles = []
        for tile in rows[label]:
            tiles += [tile, np.full((img_size, gap, 3), white, np.uint8)]
        lines.append(np.concatenate(tiles[:-1], axis=1))
    sep = np.full((gap, lines[0].shape[1], 3), white, np.uint8)
    montage = np.concatenate([lines[0], sep, lines[1]], axis=0)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(out), montage)
    return montage
