"""The duplicate kinds of the real BUSI download, built on phantom cases.

Each builder returns the new image(s) with their masks and the true 2x3
transform mapping the new image's pixels to its partner's (see
:mod:`.copies`). Same frame (the pixels of one acquisition, re-exported):

- ``recrop``: the frame cropped again, 2-12 px less on each side;
- ``resize``: the whole frame resized by 0.83 or 1.2;
- ``zoom``: the central ``1 / 1.3`` of the frame enlarged 1.3 times;
- ``sector_crop``: the full fan-shaped sector view (black outside the
  fan, text and depth ticks there) and the tight crop of its inside;
- ``marks``: the frame again with calipers and / or text added;
- ``cross_class``: a re-crop filed in the other class folder.

Same lesion: ``adjacent``, two frames of one sweep (:mod:`.sweep`): the
same anatomy and lesion, probe moved 2-6 % of the width sideways and up to
2 % of the height in depth, partly new speckle (correlation with the other
frame's 0.5-0.8 at 300 px wide, 0.75-0.92 from 750 px: see
:func:`speckle_correlation`) and a 1.3 dB change of echogenicity (the slice
moved).

The older near-duplicate kinds (``reencoded``, ``resized``,
``brightness``) are made by :func:`legacy_copy`.
"""

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .copies import Transform, crop_resize, identity
from .formation import form_image
from .generator import render_scene
from .marks import PlaceText, TextMark, add_calipers, random_marks
from .realism import ADJACENT_NCC, ADJACENT_RANGE, aligned_difference
from .sector import sector_view
from .sweep import sweep_frames

__all__ = [
    'SAME_FRAME_KINDS',
    'Frame',
    'adjacent_frames',
    'legacy_copy',
    'same_frame_copy',
    'sector_pair',
    'speckle_correlation',
]

SAME_FRAME_KINDS = ('recrop', 'resize', 'zoom', 'marks', 'cross_class')
RESIZE_FACTORS = (0.83, 1.2)
ZOOM = 1.3
ELEVATION_DB = 1.3  # echogenicity change between adjacent frames
# field of view of the tight crop relative to the sector image
SECTOR_FOV = (0.89, 0.54)
SizeRange = Tuple[Tuple[int, int], Tuple[int, int]]


@dataclass
class Frame:
    """One image to write, with what the manifest needs to know of it.

    Attributes:
        img (np.ndarray): Grey image ``(H, W)`` uint8.
        masks (list[np.ndarray]): Binary lesion masks ``(H, W)`` uint8
            (one empty mask for a normal case).
        overlay (np.ndarray): Boolean ``(H, W)``: pixels of burnt-in marks.
        texts (list[TextMark]): Texts burnt into this very image (not
            those it inherits as a copy).
    """

    img: np.ndarray
    masks: List[np.ndarray]
    overlay: np.ndarray
    texts: List[TextMark] = field(default_factory=list)

    def mark(self, draw, *args) -> None:
        """Draw overlays with ``draw(img, *args)``; returned texts are
        recorded and the changed pixels join the overlay mask."""
        before = self.img.copy()
        self.texts += draw(self.img, *args) or []
        self.overlay |= self.img != before


def _resample(frame: Frame, box, size) -> Tuple[Frame, Transform]:
    layers = frame.masks + [frame.overlay.astype(np.uint8)]
    img, layers, transform = crop_resize(frame.img, layers, box, size)
    return Frame(img, layers[:-1], layers[-1] > 0), transform


def _recrop_box(
    shape: Tuple[int, int], rng: np.random.Generator
) -> Tuple[int, int, int, int]:
    h, w = shape
    hi = max(2, min(12, min(h, w) // 10))
    left, top, right, bottom = (int(v) for v in rng.integers(2, hi + 1, 4))
    return left, top, w - right, h - bottom


def same_frame_copy(
    kind: str,
    frame: Frame,
    rng: np.random.Generator,
    index: int = 0,
    place: Optional[PlaceText] = None,
) -> Tuple[Frame, Transform]:
    """A copy of one frame, of one of :data:`SAME_FRAME_KINDS`.

    Args:
        kind (str): One of :data:`SAME_FRAME_KINDS`.
        frame (Frame): The frame copied (with its overlays).
        rng (np.random.Generator): Random source.
        index (int): Running number of the copy within its kind (``resize``
            alternates 0.83 and 1.2 with it).
        place (callable, optional): Chooses the body-mark text of a
            ``marks`` copy (see :func:`~.random_marks`).

    Returns:
        tuple: ``(copy, transform)``, the transform mapping the copy's
        pixels to the frame's.
    """
    h, w = frame.img.shape
    if kind in ('recrop', 'cross_class'):
        box = _recrop_box((h, w), rng)
        return _resample(frame, box, (box[3] - box[1], box[2] - box[0]))
    if kind == 'resize':
        f = RESIZE_FACTORS[index % len(RESIZE_FACTORS)]
        return _resample(frame, (0, 0, w, h), (round(h * f), round(w * f)))
    if kind == 'zoom':
        hc, wc = round(h / ZOOM), round(w / ZOOM)
        x0, y0 = (w - wc) // 2, (h - hc) // 2
        size = (round(hc * ZOOM), round(wc * ZOOM))
        return _resample(frame, (x0, y0, x0 + wc, y0 + hc), size)
    if kind == 'marks':
        copy = Frame(
            frame.img.copy(),
            [m.copy() for m in frame.masks],
            frame.overlay.copy(),
        )
        copy.mark(random_marks, frame.masks, rng, 0.8, 0.6, place)
        return copy, identity()
    raise ValueError(f'kind must be one of {SAME_FRAME_KINDS}, got {kind!r}')


def legacy_copy(
    kind: str, frame: Frame, rng: np.random.Generator
) -> Tuple[Frame, Transform]:
    """The older near duplicates: re-encoded, slightly resized, brighter.

    ``brightness`` shifts every grey level by 8-16 (clipped); no such copy
    is in the real download, so it is left out of the realism figures.

    Args:
        kind (str): 'reencoded', 'resized' or 'brightness'.
        frame (Frame): The frame copied.
        rng (np.random.Generator): Random source.

    Returns:
        tuple: ``(copy, transform)``.
    """
    masks = [m.copy() for m in frame.masks]
    if kind == 'reencoded':  # lossy round trip: a few grey levels change
        params = [cv2.IMWRITE_JPEG_QUALITY, 92]
        _, buf = cv2.imencode('.jpg', frame.img, params)
        img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
        return Frame(img, masks, frame.overlay.copy()), identity()
    if kind == 'resized':
        f = rng.uniform(0.9, 0.97)
        h, w = frame.img.shape
        size = (max(8, round(h * f)), max(8, round(w * f)))
        return _resample(frame, (0, 0, w, h), size)
    if kind == 'brightness':
        shift = rng.choice([-1, 1]) * rng.uniform(8, 16)
        img = np.clip(frame.img.astype(np.float32) + shift, 0, 255)
        img = img.astype(np.uint8)
        return Frame(img, masks, frame.overlay.copy()), identity()
    raise ValueError(
        f"kind must be 'reencoded', 'resized' or 'brightness', got {kind!r}"
    )


def draw_size(
    rng: np.random.Generator, size_range: SizeRange
) -> Tuple[int, int]:
    """An image size ``(H, W)`` drawn uniformly from ``size_range``."""
    return (
        int(rng.integers(*size_range[0], endpoint=True)),
        int(rng.integers(*size_range[1], endpoint=True)),
    )


def sector_pair(
    rng: np.random.Generator,
    label: str,
    size_range: SizeRange,
    p_atypical: float = 0.15,
    place: Optional[PlaceText] = None,
) -> Tuple[Frame, Frame, Transform]:
    """A new frame as a full sector view and as the tight crop inside.

    The frame is rendered large enough for the crop to fall in
    ``size_range``, its lesion the size it would have in the crop's field
    of view (its speckle is coarser: the phantom's point-spread function
    scales with the image width). Calipers (with probability 0.5) are
    burnt in before the crop, so both views show them.

    Args:
        rng (np.random.Generator): Random source.
        label (str): 'benign', 'malignant' or 'normal'.
        size_range (tuple): ``((h_min, h_max), (w_min, w_max))``.
        p_atypical (float): Probability of an atypical lesion.
        place (callable, optional): Chooses the body-mark text written
            outside the fan (see :func:`~.random_marks`).

    Returns:
        tuple: ``(sector, crop, transform)``, the transform mapping the
        crop's pixels to the sector image's.
    """
    h, w = draw_size(rng, size_range)
    big = (round(h / SECTOR_FOV[0]), round(w / SECTOR_FOV[1]))
    maps, masks, _ = render_scene(
        rng, label, big, 1, p_atypical, lesion_scale=SECTOR_FOV[1]
    )
    img = form_image(rng, maps)
    sector, masks, box, overlay, texts = sector_view(img, masks, rng, place)
    frame = Frame(sector, masks or [np.zeros(big, np.uint8)], overlay, texts)
    if masks and masks[0].any() and rng.random() < 0.5:
        frame.mark(add_calipers, masks[0], rng)
    crop, transform = _resample(frame, box, (box[3] - box[1], box[2] - box[0]))
    return frame, crop, transform


def speckle_correlation(width: int) -> Tuple[float, float]:
    """Range of the speckle correlation of two adjacent frames.

    The phantom's point-spread function scales with the image width, so the
    speckle grains of a wider image span more pixels and a 2-px blur (the
    realism check, :mod:`.realism`) averages fewer of them: the same share
    of new speckle shows more. The range grows with the width (linearly
    from 300 to 750 px) to keep adjacent frames at the differences measured
    on BUSI (3.7-14 grey levels, NCC >= 0.82) at any size.

    Args:
        width (int): Frame width in pixels.

    Returns:
        tuple: ``(low, high)`` of the correlation.
    """
    t = min(max((width - 300) / 450, 0.0), 1.0)
    return 0.5 + 0.25 * t, 0.8 + 0.12 * t


def adjacent_frames(
    rng: np.random.Generator,
    label: str,
    size_range: SizeRange,
    p_atypical: float = 0.15,
    max_draws: int = 8,
) -> Tuple[Frame, Frame, Transform]:
    """Two frames of one sweep, as alike as BUSI's adjacent frames.

    The adjacent pairs counted on BUSI are those a check found within its
    range (:data:`~.realism.ADJACENT_RANGE`, :data:`~.realism.ADJACENT_NCC`
    after alignment); a sweep whose frames fall outside it (a few per cent,
    the least textured scenes) is drawn again, up to ``max_draws`` times.

    Args:
        rng (np.random.Generator): Random source.
        label (str): 'benign' or 'malignant'.
        size_range (tuple): ``((h_min, h_max), (w_min, w_max))``.
        p_atypical (float): Probability of an atypical lesion.
        max_draws (int): Sweeps drawn at most; the last is kept.

    Returns:
        tuple: ``(frame_a, frame_b, transform)``, the transform mapping
        ``frame_b``'s pixels to ``frame_a``'s (a translation).
    """
    for _ in range(max_draws):
        h, w = draw_size(rng, size_range)
        dx = max(2, round(rng.uniform(0.02, 0.06) * w))
        dy = round(rng.uniform(0.0, 0.02) * h)
        origins = [(0, 0), (dx, dy)]
        if rng.random() < 0.5:
            origins = [(dx, 0), (0, dy)]
        rho = rng.uniform(*speckle_correlation(w))
        (img_a, masks_a), (img_b, masks_b) = sweep_frames(
            rng, label, (h, w), origins, rho, ELEVATION_DB, 1, p_atypical
        )
        (xa, ya), (xb, yb) = origins
        move = [[1.0, 0.0, float(xb - xa)], [0.0, 1.0, float(yb - ya)]]
        median, ncc = aligned_difference(img_a, img_b, move)
        low, high = ADJACENT_RANGE
        if low <= median <= high and ncc >= ADJACENT_NCC:
            break
    clean = np.zeros((h, w), bool)
    return Frame(img_a, masks_a, clean), Frame(img_b, masks_b, clean), move
