"""Render phantom cases: image, lesion masks and label.

Entry points:

- :func:`render_case` draws one case from a random generator (used by the
  RAW-layout writers, which need the individual lesion masks);
  :func:`render_scene` is its first half (tissue maps and lesion masks,
  before image formation);
- :func:`generate_sample` is the deterministic ``(seed, index) -> sample``
  map behind :class:`~.BUSPhantomDataset`;
- :func:`label_of_index` gives the label of a pool index.
"""

from fractions import Fraction
from typing import Dict, List, Sequence, Tuple, Union

import cv2
import numpy as np

from ..metainfo import CLASS_NAMES, MALIGNANT_LABEL, NORMAL_LABEL
from .anatomy import TissueMaps, tissue_maps
from .formation import form_image
from .lesion import Lesion, add_lesion, lesion_look, make_lesion

__all__ = [
    'generate_sample',
    'label_of_index',
    'render_case',
    'render_scene',
    'to_hw',
]

# stream ids keep the on-the-fly data set and the RAW writers independent
STREAM_DATASET = 0


def to_hw(img_size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    """Normalise an image size to ``(H, W)``, checking it.

    Args:
        img_size (int | Sequence[int]): ``S`` for ``S x S`` or ``(H, W)``.

    Returns:
        tuple: ``(H, W)``.
    """
    if isinstance(img_size, (int, np.integer)) and not isinstance(
        img_size, bool
    ):
        hw = (int(img_size), int(img_size))
    elif (
        isinstance(img_size, (tuple, list))
        and len(img_size) == 2
        and all(isinstance(v, (int, np.integer)) for v in img_size)
    ):
        hw = (int(img_size[0]), int(img_size[1]))
    else:
        raise TypeError(
            f'img_size must be an int or a pair (H, W) of ints, '
            f'got {img_size!r}'
        )
    if min(hw) < 32:
        raise ValueError(
            f'img_size must be at least 32 pixels per side, got {img_size!r}'
        )
    return hw


def label_of_index(index: int, malignant_ratio: float) -> int:
    """Label (0 benign, 1 malignant) of pool index ``index``.

    Malignant cases are spread evenly: every prefix ``0..n-1`` of the pool
    holds ``floor(n * malignant_ratio)`` malignant cases, so the label of an
    index does not depend on the pool size.

    Args:
        index (int): Pool index, ``>= 0``.
        malignant_ratio (float): Fraction of malignant cases in ``[0, 1]``.

    Returns:
        int: 0 or 1.
    """
    r = Fraction(malignant_ratio).limit_denominator(10000)
    return int((index + 1) * r // 1 > index * r // 1)


def render_case(
    rng: np.random.Generator,
    label: Union[int, str],
    size: Tuple[int, int] = (256, 256),
    num_lesions: int = 1,
    p_atypical: float = 0.15,
) -> Tuple[np.ndarray, List[np.ndarray], List[Dict]]:
    """Render one case: :func:`render_scene`, then :func:`~.form_image`.

    Args:
        rng (np.random.Generator): Random source.
        label (int | str): 0 / 'benign', 1 / 'malignant' or 2 / 'normal'.
        size (tuple): ``(H, W)``.
        num_lesions (int): Number of lesions of a tumour case (ignored for
            normal cases).
        p_atypical (float): Probability that a lesion shows some features
            of the other class.

    Returns:
        tuple: ``(image, masks, meta)`` with the grey image ``(H, W)``
        uint8, one binary ``(H, W)`` uint8 mask per lesion (none for a
        normal case) and one dict per lesion (``kind`` and which feature
        groups look malignant).
    """
    maps, masks, meta = render_scene(rng, label, size, num_lesions, p_atypical)
    return form_image(rng, maps), masks, meta


def render_scene(
    rng: np.random.Generator,
    label: Union[int, str],
    size: Tuple[int, int] = (256, 256),
    num_lesions: int = 1,
    p_atypical: float = 0.15,
    lesion_scale: float = 1.0,
) -> Tuple[TissueMaps, List[np.ndarray], List[Dict]]:
    """Draw the anatomy and lesions of one case, before image formation.

    :func:`render_case` forms the image of the scene at once; the sweep
    writer (:mod:`.sweep`) forms several frames of one scene instead, the
    sector writer (:func:`~.busi_kinds.sector_pair`) a wider field.

    Args:
        rng (np.random.Generator): Random source.
        label (int | str): 0 / 'benign', 1 / 'malignant' or 2 / 'normal'.
        size (tuple): ``(H, W)``.
        num_lesions (int): Number of lesions of a tumour case (ignored for
            normal cases).
        p_atypical (float): Probability that a lesion shows some features
            of the other class.
        lesion_scale (float): Size of the lesions (and normal structures)
            relative to the width, 1 for a case of the usual field of view
            (a wider field shows them smaller).

    Returns:
        tuple: ``(maps, masks, meta)``: the :class:`~.TissueMaps` of shape
        ``(H, W)``, one binary ``(H, W)`` uint8 mask per lesion (none for
        a normal case) and one dict per lesion.
    """
    name = CLASS_NAMES[label] if not isinstance(label, str) else label
    if name not in CLASS_NAMES:
        raise ValueError(
            f'label must be one of {CLASS_NAMES} or 0/1/2, got {label!r}'
        )
    label_id = CLASS_NAMES.index(name)
    h, w = size
    maps = tissue_maps(rng, h, w)
    masks, meta = [], []
    if label_id == NORMAL_LABEL:
        # hypoechoic ducts and fat lobules, so 'dark blob' != lesion
        for _ in range(rng.integers(0, 4)):
            les = make_lesion(
                rng,
                (h, w),
                dict.fromkeys(('shape', 'margin'), False),
                (0.2, 0.6),
                scale=rng.uniform(0.3, 0.6) * lesion_scale,
            )
            add_lesion(maps, rng, les, normal=True)
    else:
        zf = maps.z_fat.mean() / h
        zg = maps.z_gland.mean() / h
        depth = (max(0.2, zf + 0.02), min(0.7, max(zf + 0.1, zg)))
        avoid = np.zeros((h, w), np.uint8)
        kernel = np.ones((15, 15), np.uint8)
        for i in range(num_lesions):
            look = lesion_look(rng, label_id == MALIGNANT_LABEL, p_atypical)
            cyst = not any(look.values()) and rng.random() < 0.25
            les: Lesion = make_lesion(
                rng, (h, w), look, depth, avoid if i else None, lesion_scale
            )
            add_lesion(maps, rng, les, cyst=cyst)
            avoid |= cv2.dilate(les.mask, kernel)
            masks.append(les.mask)
            meta.append(
                dict(
                    kind='cyst' if cyst else name,
                    **{f'{k}_suspicious': v for k, v in look.items()},
                )
            )
    return maps, masks, meta


def generate_sample(
    seed: int,
    index: int,
    img_size: Union[int, Sequence[int]] = 256,
    malignant_ratio: float = 0.5,
    p_atypical: float = 0.15,
    p_second: float = 0.05,
) -> Dict:
    """The phantom sample of pool index ``index`` for ``seed``.

    The result depends only on the arguments (not on the pool size or on
    other samples).

    Args:
        seed (int): Data set seed.
        index (int): Pool index, ``>= 0``.
        img_size (int | Sequence[int]): ``S`` or ``(H, W)``.
        malignant_ratio (float): Fraction of malignant cases.
        p_atypical (float): Probability of an atypical lesion.
        p_second (float): Probability of a second lesion (same class).

    Returns:
        dict: ``img`` grey ``(H, W)`` uint8, ``mask`` ``(H, W)`` uint8 in
        {0, 1} (union of the lesions), ``label`` int, ``meta`` list of
        per-lesion dicts.
    """
    for name, value in (('seed', seed), ('index', index)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or value < 0
        ):
            raise ValueError(f'{name} must be an int >= 0, got {value!r}')
    label = label_of_index(index, malignant_ratio)
    rng = np.random.default_rng([seed, STREAM_DATASET, index, label])
    num_lesions = 2 if rng.random() < p_second else 1
    img, masks, meta = render_case(
        rng, label, to_hw(img_size), num_lesions, p_atypical
    )
    mask = np.zeros(img.shape, np.uint8)
    for m in masks:
        mask |= m
    return dict(img=img, mask=mask, label=label, meta=meta)
