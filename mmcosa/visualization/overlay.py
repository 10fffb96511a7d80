"""Draw what an mmcosa model saw: tumour contour, margin ring, class."""

from typing import Optional, Sequence

import cv2
import numpy as np

__all__ = ['draw_overlay', 'margin_ring']

PRED_COLOUR = (255, 64, 64)  # predicted contour, RGB
GT_COLOUR = (64, 255, 64)  # ground-truth contour
MARGIN_COLOUR = (255, 220, 0)  # margin ring fill
CLASS_COLOURS = dict(benign=(64, 200, 255), malignant=(255, 80, 80))


def margin_ring(
    mask: np.ndarray, dilation_size: Optional[int] = None
) -> np.ndarray:
    """The COSA margin ring of a binary mask, as the COSA neck builds it.

    The Sobel edge of a binary mask is the 2-px band straddling the
    contour (a 3x3 morphological gradient); it is dilated with a square
    ``dilation_size`` element. The default scales the paper's 5 px at
    256x256 to the image size.

    Args:
        mask (np.ndarray): ``(H, W)`` mask, tumour where > 0.
        dilation_size (int, optional): Odd side of the dilation element.

    Returns:
        np.ndarray: ``(H, W)`` bool ring; all False for an empty mask.
    """
    mask = (np.asarray(mask) > 0).astype(np.uint8)
    if dilation_size is None:
        dilation_size = max(5, int(round(5 * max(mask.shape) / 256)) | 1)
    kernel = np.ones((3, 3), np.uint8)
    edge = cv2.morphologyEx(
        mask, cv2.MORPH_GRADIENT, kernel, borderType=cv2.BORDER_REPLICATE
    )
    ring = cv2.dilate(edge, np.ones((dilation_size, dilation_size), np.uint8))
    return ring > 0


def _contours(mask: np.ndarray):
    contours, _ = cv2.findContours(
        (mask > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
    )
    return contours


def draw_overlay(
    image: np.ndarray,
    mask: Optional[np.ndarray] = None,
    margin: Optional[np.ndarray] = None,
    pred_class: Optional[str] = None,
    malignancy: Optional[float] = None,
    gt_mask: Optional[np.ndarray] = None,
    gt_class: Optional[str] = None,
    alpha: float = 0.4,
    min_size: int = 256,
) -> np.ndarray:
    """Draw the prediction on an RGB image.

    Draws the margin ring as a translucent yellow band (computed from the
    mask with :func:`margin_ring` when ``margin`` is None), the predicted
    tumour contour in red, the ground-truth contour in green when given,
    and, in a dark strip added above the image (nothing is hidden), the
    predicted class with the malignancy probability and the true class.

    Args:
        image (np.ndarray): ``(H, W, 3)`` uint8 RGB (or ``(H, W)`` grey).
        mask (np.ndarray, optional): ``(H, W)`` predicted tumour mask.
        margin (np.ndarray, optional): ``(H, W)`` margin ring (bool).
        pred_class (str, optional): Predicted class name.
        malignancy (float, optional): Malignancy probability in [0, 1].
        gt_mask (np.ndarray, optional): ``(H, W)`` ground-truth mask.
        gt_class (str, optional): True class name.
        alpha (float): Opacity of the margin band. Defaults to 0.4.
        min_size (int): A smaller image (longer side) is enlarged by an
            integer factor first, so the text stays readable. Defaults to
            256.

    Returns:
        np.ndarray: ``(B + H * f, W * f, 3)`` uint8 RGB drawing (a new
        array): ``B`` rows of text strip (0 without text), ``f = 1``
        unless the image is smaller than ``min_size``.
    """
    canvas = np.asarray(image)
    if canvas.ndim == 2:
        canvas = np.repeat(canvas[..., None], 3, axis=2)
    canvas = np.ascontiguousarray(canvas[..., :3], dtype=np.uint8).copy()
    h, w = canvas.shape[:2]
    thickness = max(1, int(round(max(h, w) / 300)))
    for name, value in (
        ('mask', mask),
        ('margin', margin),
        ('gt_mask', gt_mask),
    ):
        if value is not None and np.asarray(value).shape[:2] != (h, w):
            raise ValueError(
                f'draw_overlay: {name} of shape {np.asarray(value).shape} '
                f'does not match the image ({h}, {w}).'
            )
    if mask is not None and margin is None:
        margin = margin_ring(mask)
    if max(h, w) < min_size:
        factor = int(np.ceil(min_size / max(h, w)))
        h, w = h * factor, w * factor
        canvas = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_LINEAR)
        mask, margin, gt_mask = (
            None
            if m is None
            else cv2.resize(
                np.asarray(m, dtype=np.uint8),
                (w, h),
                interpolation=cv2.INTER_NEAREST,
            )
            for m in (mask, margin, gt_mask)
        )
        thickness = max(1, int(round(max(h, w) / 300)))
    if margin is not None and np.any(margin):
        ring = np.asarray(margin, dtype=bool)
        colour = np.array(MARGIN_COLOUR, dtype=np.float32)
        canvas[ring] = (canvas[ring] * (1 - alpha) + colour * alpha).astype(
            np.uint8
        )
    if gt_mask is not None:
        cv2.drawContours(
            canvas,
            _contours(np.asarray(gt_mask)),
            -1,
            GT_COLOUR,
            thickness,
            cv2.LINE_AA,
        )
    if mask is not None:
        cv2.drawContours(
            canvas,
            _contours(np.asarray(mask)),
            -1,
            PRED_COLOUR,
            thickness,
            cv2.LINE_AA,
        )
    lines = []
    if pred_class is not None:
        text = f'pred: {pred_class}'
        if malignancy is not None:
            text += f'  p(malignant)={malignancy:.2f}'
        lines.append((text, CLASS_COLOURS.get(pred_class, (255, 255, 255))))
    if gt_class is not None:
        lines.append((f'true: {gt_class}', GT_COLOUR))
    return _banner(canvas, lines)


def _banner(canvas: np.ndarray, lines: Sequence[tuple]) -> np.ndarray:
    """Return ``canvas`` with a dark text strip added on top."""
    if not lines:
        return canvas
    w = canvas.shape[1]
    font = cv2.FONT_HERSHEY_SIMPLEX
    longest = max(lines, key=lambda x: len(x[0]))[0]
    (tw, _), _ = cv2.getTextSize(longest, font, 1.0, 1)
    scale = float(np.clip(0.95 * w / max(tw, 1), 0.3, 1.0))
    thick = max(1, int(round(scale * 1.5)))
    (_, th), base = cv2.getTextSize(longest, font, scale, thick)
    step = th + base + 6
    band = np.full((step * len(lines) + 4, w, 3), 24, np.uint8)
    for i, (text, colour) in enumerate(lines):
        y = 4 + th + i * step
        cv2.putText(
            band, text, (4, y), font, scale, colour, thick, cv2.LINE_AA
        )
    return np.concatenate([band, canvas], axis=0)
