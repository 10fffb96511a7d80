"""Check an exported model against the PyTorch model it came from.

Both run the same images end to end: the PyTorch side through
:func:`mmcosa.apis.inference_model` (the mmseg pipeline and
``test_step``), the ONNX side through
:class:`~mmcosa.deployment.onnx_runner.OnnxRunner` (its own preprocessing
from the metadata). So the check covers the graph *and* the repeated
pre- and postprocessing.
"""

from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from mmcosa.datasets.phantom.generator import generate_sample

__all__ = [
    'FP32_TOLERANCE',
    'INT8_TOLERANCE',
    'ParityError',
    'compare_predictions',
    'check_parity',
    'phantom_images',
]

#: (minimum pooled mask IoU, maximum |p diff|) for an fp32 export.
FP32_TOLERANCE = (0.999, 1e-4)
#: The same for a reduced-precision model against fp32.
INT8_TOLERANCE = (0.99, 0.01)
#: Image sizes (H, W) of the check images: the demo's input size, and
#: sizes that exercise up- and down-sizing and odd ratios.
DEFAULT_SIZES = ((128, 128), (300, 420), (471, 562), (96, 150))


class ParityError(RuntimeError):
    """The exported model does not give the PyTorch model's results."""


def phantom_images(
    num: int = 8,
    sizes: Sequence[Tuple[int, int]] = DEFAULT_SIZES,
    seed: int = 12345,
) -> List[np.ndarray]:
    """Phantom breast-ultrasound images (BGR uint8) of several sizes.

    Half benign, half malignant; independent of any data set on disk.

    Args:
        num (int): Number of images. Defaults to 8.
        sizes (Sequence[tuple[int, int]]): ``(H, W)`` sizes, cycled.
        seed (int): Phantom seed (not the training pool's 0).

    Returns:
        list[np.ndarray]: ``(H, W, 3)`` uint8 images.
    """
    images = []
    for idx in range(num):
        img = generate_sample(seed, idx, img_size=sizes[idx % len(sizes)])
        images.append(cv2.cvtColor(img['img'], cv2.COLOR_GRAY2BGR))
    return images


def compare_predictions(
    reference: Sequence[Dict], candidate: Sequence[Dict]
) -> Dict[str, float]:
    """Agreement of two lists of predictions of the same images.

    Each prediction is a dict with ``mask`` ``(H, W)`` {0, 1}, ``probs``
    ``(C,)`` or None and, optionally, ``regions`` ``(3, H, W)``.

    Returns:
        dict: ``num_images``, ``iou`` (pooled: summed intersections over
        summed unions; 1.0 when both are empty everywhere), ``min_iou``
        (per image), ``max_prob_diff`` (0.0 without class scores),
        ``region_agreement`` (fraction of pixels given the same COSA region;
        None without region maps on both sides).
    """
    inter = union = region_px = region_same = 0
    ious, diffs = [], [0.0]
    for ref, cand in zip(reference, candidate, strict=True):
        a, b = ref['mask'].astype(bool), cand['mask'].astype(bool)
        if a.shape != b.shape:
            raise ParityError(
                f'mask sizes differ: {a.shape} vs {b.shape} (the runner '
                f'must return masks at the original size).'
            )
        i, u = int((a & b).sum()), int((a | b).sum())
        inter, union = inter + i, union + u
        ious.append(1.0 if u == 0 else i / u)
        if ref['probs'] is not None:
            diffs.append(float(np.abs(ref['probs'] - cand['probs']).max()))
        if ref.get('regions') is not None and cand.get('regions') is not None:
            same = ref['regions'].argmax(0) == cand['regions'].argmax(0)
            region_px, region_same = (
                region_px + same.size,
                region_same + int(same.sum()),
            )
    return dict(
        num_images=len(ious),
        iou=1.0 if union == 0 else inter / union,
        min_iou=min(ious) if ious else 1.0,
        max_prob_diff=max(diffs),
        region_agreement=region_same / region_px if region_px else None,
    )


def torch_predictions(model, images: Sequence[np.ndarray]) -> List[Dict]:
    """``inference_model`` on BGR arrays, as plain dicts."""
    from mmcosa.apis import inference_model

    preds = inference_model(model, list(images), channel_order='bgr')
    return [dict(mask=p.mask, probs=p.probs, regions=p.regions) for p in preds]


def check_parity(
    model: torch.nn.Module,
    predict: Callable[[np.ndarray], Dict],
    images: Optional[Sequence[np.ndarray]] = None,
    tolerance: Tuple[float, float] = FP32_TOLERANCE,
    reference: Optional[List[Dict]] = None,
    check_regions: bool = True,
) -> Dict[str, float]:
    """Run both sides on ``images`` and fail loudly when they differ.

    Args:
        model (nn.Module): The PyTorch model (from ``init_model``).
        predict (callable): The exported side: ``predict(img_bgr) -> dict``
            with ``mask`` and ``probs`` (an ``OnnxRunner``).
        images (Sequence[np.ndarray], optional): BGR uint8 images; default
            :func:`phantom_images` (8 images of :data:`DEFAULT_SIZES`).
        tolerance (tuple[float, float]): Minimum pooled IoU and maximum
            ``|p diff|``. Defaults to :data:`FP32_TOLERANCE`.
        reference (list[dict], optional): Precomputed PyTorch predictions
            of ``images``.
        check_regions (bool): Also require the COSA region maps to agree
            on a fraction ``>= min IoU`` of the pixels (fp32). A reduced-
            precision model moves the mask boundary and the margin ring
            with it, so its agreement is reported, not required.

    Returns:
        dict: The figures of :func:`compare_predictions` plus
        ``min_iou_allowed`` and ``max_prob_diff_allowed``.

    Raises:
        ParityError: If the IoU is below or the probability difference
            above the tolerance, with the figures.
    """
    if images is None:
        images = phantom_images()
    if reference is None:
        reference = torch_predictions(model, images)
    candidate = [predict(img) for img in images]
    figures = compare_predictions(reference, candidate)
    min_iou, max_diff = tolerance
    figures.update(min_iou_allowed=min_iou, max_prob_diff_allowed=max_diff)
    regions_ok = (
        not check_regions
        or figures['region_agreement'] is None
        or figures['region_agreement'] >= min_iou
    )
    if (
        figures['iou'] < min_iou
        or figures['max_prob_diff'] > max_diff
        or not regions_ok
    ):
        raise ParityError(
            f'the exported model differs from PyTorch on '
            f'{figures["num_images"]} phantom images: mask IoU '
            f'{figures["iou"]:.5f} (min per image {figures["min_iou"]:.5f}; '
            f'needs >= {min_iou}), max |p diff| '
            f'{figures["max_prob_diff"]:.2e} (needs <= {max_diff:g}), COSA '
            f'region agreement {figures["region_agreement"]} (needs >= '
            f'{min_iou} when both have regions). An '
            f'operator is exported or run differently; nothing was written.'
        )
    return figures
