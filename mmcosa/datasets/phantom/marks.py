"""Overlays a scanner burns into saved frames: calipers and text.

About 295 of BUSI's 780 images carry them (Pawlowska et al. 2023): '+'
caliper marks at the ends of a measured diameter, often joined by a dotted
line, a read-out such as ``D1 1.24cm``, and body-mark text (``LEFT
BREAST``, ``RT AXILLA``, a clock position) at a fixed place of the
scanner's layout, in the layout's colour (white), so unrelated images can
share the same text at the same pixels. Overlays are drawn bright (grey >=
:data:`MARK_MIN`) and aliased (no anti-aliasing), as on the scanner's
screen.

Every text drawn is returned as a :data:`TextMark` ``(text, (x, y),
scale)`` so the writer can tell which unrelated images share one.
"""

from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .realism import UNRELATED_MIN, aligned_difference

__all__ = [
    'BODY_TEXTS',
    'MARK_MIN',
    'TEXT_SLOTS',
    'BodyMarkPlacer',
    'TextMark',
    'add_calipers',
    'add_text',
    'random_marks',
]

MARK_MIN = 240  # overlays are drawn at grey levels in [MARK_MIN, 255]
FONT = cv2.FONT_HERSHEY_SIMPLEX
BODY_TEXTS = (
    'LEFT BREAST',
    'RIGHT BREAST',
    'RT AXILLA',
    'LT AXILLA',
    'RT 10:00 3CMFN',
    'LT 2:00 4CMFN',
    'RAD',
    'ARAD',
    'TRANS',
    'LONG',
)
# top-left anchored text positions (x, baseline y) and scales of a few
# scanner layouts: equal texts of two images land on the same pixels
TEXT_SLOTS = (((6, 14), 0.4), ((10, 22), 0.45), ((4, 12), 0.35))
TextMark = Tuple[str, Tuple[int, int], float]
# unrelated images sharing a text differ by this much at least (margin
# over BUSI's 15.5 for the marks drawn later)
MIN_APART = UNRELATED_MIN + 1.5
IDENTITY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))


def add_text(
    img: np.ndarray,
    text: str,
    org: Tuple[int, int],
    scale: float,
    value: int = 255,
) -> TextMark:
    """Burn ``text`` into the grey image ``img`` (in place).

    Args:
        img (np.ndarray): Grey image ``(H, W)`` uint8, modified in place.
        text (str): The text.
        org (tuple): ``(x, y)`` of the baseline's left end.
        scale (float): Hershey font scale (0.4 is about 9 px tall).
        value (int): Grey level, in ``[MARK_MIN, 255]``.

    Returns:
        TextMark: ``(text, org, scale)``.
    """
    if not MARK_MIN <= value <= 255:
        raise ValueError(f'value must be in [{MARK_MIN}, 255], got {value}')
    # OpenCV >= 5 smooths glyph edges whatever the line type: draw on a
    # blank canvas and keep the glyphs' cores, at one grey level
    glyphs = np.zeros(img.shape[:2], np.uint8)
    cv2.putText(glyphs, text, org, FONT, scale, 255, 1, cv2.LINE_8)
    img[glyphs >= 96] = value
    return text, (int(org[0]), int(org[1])), float(scale)


def _cross(img: np.ndarray, x: int, y: int, half: int, value: int) -> None:
    cv2.line(img, (x - half, y), (x + half, y), value, 1, cv2.LINE_8)
    cv2.line(img, (x, y - half), (x, y + half), value, 1, cv2.LINE_8)


def _dotted(
    img: np.ndarray, p0: np.ndarray, p1: np.ndarray, step: int, value: int
) -> None:
    n = int(np.hypot(*(p1 - p0)) // step)
    for t in np.linspace(0, 1, n + 1)[1:-1]:
        x, y = np.round(p0 + t * (p1 - p0)).astype(int)
        img[max(0, y) : y + 1, max(0, x) : x + 1] = value


def add_calipers(
    img: np.ndarray, mask: np.ndarray, rng: np.random.Generator
) -> List[TextMark]:
    """Measure a lesion: '+' marks, dotted lines and a read-out (in place).

    The width is measured between the lesion's leftmost and rightmost
    pixels; with probability 0.5 the height too.

    Args:
        img (np.ndarray): Grey image ``(H, W)`` uint8, modified in place.
        mask (np.ndarray): Binary lesion mask ``(H, W)``, not empty.
        rng (np.random.Generator): Random source.

    Returns:
        list[TextMark]: The read-out text(s) drawn.
    """
    ys, xs = np.nonzero(mask)
    if not len(xs):
        raise ValueError('add_calipers needs a non-empty lesion mask')
    h, w = img.shape
    value = int(rng.integers(MARK_MIN, 256))
    half = max(3, round(w / 90))
    dotted = rng.random() < 0.7
    ends = [(np.argmin(xs), np.argmax(xs))]
    if rng.random() < 0.5:
        ends.append((np.argmin(ys), np.argmax(ys)))
    texts = []
    for k, (i, j) in enumerate(ends):
        p0 = np.array([xs[i], ys[i]], float)
        p1 = np.array([xs[j], ys[j]], float)
        for x, y in (p0, p1):
            _cross(img, int(x), int(y), half, value)
        if dotted:
            _dotted(img, p0, p1, max(3, half), value)
        cm = np.hypot(*(p1 - p0)) / w * rng.uniform(3.5, 5)
        org = (6, h - 6 - 14 * (len(ends) - 1 - k))
        texts.append(add_text(img, f'D{k + 1} {cm:.2f}cm', org, 0.35, value))
    return texts


class BodyMarkPlacer:
    """Chooses body-mark texts so that images sharing one look unrelated.

    Unrelated BUSI images that share a burnt-in text at one place still
    differ by >= 15.5 grey levels once aligned (docs/en/duplicates.md). Phantom
    cases are more alike than patients, so the placer gives an image a
    text and place (:data:`BODY_TEXTS` x :data:`TEXT_SLOTS`, in random
    order) only if the image differs by ``min_apart`` or more
    (:func:`~.aligned_difference`, no shift) from every image holding it
    already.

    Args:
        rng (np.random.Generator): Random source of the order.
        min_apart (float): Smallest difference to the other holders.
    """

    def __init__(
        self, rng: np.random.Generator, min_apart: float = MIN_APART
    ) -> None:
        self.rng = rng
        self.min_apart = min_apart
        self.holders: Dict[Tuple, List[np.ndarray]] = {}

    def fits(self, mark: Tuple, img: np.ndarray) -> bool:
        """Whether ``img`` differs enough from the holders of ``mark``."""
        return all(
            aligned_difference(img, other, IDENTITY)[0] >= self.min_apart
            for other in self.holders.get(mark, [])
        )

    def hold(self, mark: Tuple, img: np.ndarray) -> None:
        """Record that ``img`` (before the text) carries ``mark``."""
        self.holders.setdefault(mark, []).append(img.copy())

    def __call__(self, img: np.ndarray) -> Tuple[str, Tuple[int, int], float]:
        """A ``(text, org, scale)`` for ``img``, recorded as held."""
        marks = [(t, o, s) for t in BODY_TEXTS for o, s in TEXT_SLOTS]
        order = self.rng.permutation(len(marks))
        mark = next(
            (marks[k] for k in order if self.fits(marks[k], img)),
            marks[order[0]],  # none fits: the first in the order
        )
        self.hold(mark, img)
        return mark


PlaceText = Callable[[np.ndarray], Tuple[str, Tuple[int, int], float]]


def random_marks(
    img: np.ndarray,
    masks: Sequence[np.ndarray],
    rng: np.random.Generator,
    p_calipers: float = 0.8,
    p_text: float = 0.6,
    place: Optional[PlaceText] = None,
) -> List[TextMark]:
    """Calipers on the first lesion and / or body-mark text (in place).

    At least one of the two is drawn.

    Args:
        img (np.ndarray): Grey image ``(H, W)`` uint8, modified in place.
        masks (Sequence[np.ndarray]): Lesion masks ``(H, W)`` (empty or
            none for a normal case: text only).
        rng (np.random.Generator): Random source.
        p_calipers (float): Probability of calipers when there is a lesion.
        p_text (float): Probability of body-mark text.
        place (callable, optional): ``place(img) -> (text, org, scale)``
            of the body mark, e.g. a :class:`BodyMarkPlacer`. Defaults to
            a random text of :data:`BODY_TEXTS` at one of
            :data:`TEXT_SLOTS`.

    Returns:
        list[TextMark]: Every text drawn.
    """
    lesion = len(masks) > 0 and masks[0].any()
    calipers = lesion and rng.random() < p_calipers
    text = rng.random() < p_text or not calipers
    texts = add_calipers(img, masks[0], rng) if calipers else []
    if text and place is not None:
        texts.append(add_text(img, *place(img)))
    elif text:
        org, scale = TEXT_SLOTS[rng.integers(len(TEXT_SLOTS))]
        body = BODY_TEXTS[rng.integers(len(BODY_TEXTS))]
        texts.append(add_text(img, body, org, scale))
    return texts
