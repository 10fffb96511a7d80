"""Breast-ultrasound segmentation metric (paper Sec. 3, "Evaluation Metrics").

With ``Am`` the predicted tumour pixels and ``Ag`` the ground-truth tumour
pixels of one image::

    TPR = |Am & Ag| / |Ag|
    FPR = |Am - Ag| / |Ag|
    DSC = 2 |Am & Ag| / (|Am| + |Ag|)
    AER = (|Am | Ag| - |Am & Ag|) / |Ag|
    IoU = |Am & Ag| / |Am | Ag|                 (tumour IoU, RMTL's "IoU")
    mIoU = (IoU_background + IoU_tumour) / 2    (the paper's "mIoU")

Naming of the reported keys (all in percent, prefix ``seg/`` added by the
evaluator):

- ``TPR``, ``FPR``, ``AER``: per-image means over the images whose ground
  truth holds tumour pixels (``|Ag| > 0``); they divide by ``|Ag|`` and are
  undefined on an empty mask. This is the paper's convention.
- ``DSC``, ``IoU``, ``mIoU``: per-image means over *all* images. On an image
  with an empty ground truth (a BUSI "normal" case) an empty prediction
  scores 100 and any predicted tumour pixel scores 0 (tumour IoU likewise;
  the background IoU is computed as usual).
- ``pooled/<name>``: the same formulas on pixel counts summed over the whole
  data set (``pooled/mIoU`` equals mmseg's ``IoUMetric`` mIoU).
- ``num_images``, ``num_empty_gt``: counts; ``empty_gt/clean_rate``: percent
  of empty-ground-truth images predicted without any tumour pixel (``nan``
  when there are none).

The metric compares ``pred_sem_seg`` with ``gt_sem_seg`` at the size they
are packed with; mmseg segmentors resize predictions to the original image
size, and a test pipeline that loads annotations without resizing them keeps
the ground truth at that size too, as for mmseg's ``IoUMetric``.
"""

from collections import OrderedDict
from typing import Any, Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmseg.registry import METRICS

from .utils import get_field, to_numpy

__all__ = ['BUSSegMetric']

# Column order of the per-image area records.
_INTER, _PRED, _GT, _VALID = range(4)


@METRICS.register_module()
class BUSSegMetric(BaseMetric):
    """Per-image and pooled BUS segmentation metrics.

    Args:
        tumour_index (int): Label value of the tumour class in the masks.
            Defaults to 1.
        ignore_index (int): Label value of pixels left out of every count.
            Defaults to 255.
        collect_device (str): Device used to collect results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'seg'``.
    """

    default_prefix: Optional[str] = 'seg'

    def __init__(
        self,
        tumour_index: int = 1,
        ignore_index: int = 255,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        for name, value in (
            ('tumour_index', tumour_index),
            ('ignore_index', ignore_index),
        ):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(
                    f'BUSSegMetric {name} must be an int, got '
                    f'{value!r} ({type(value).__name__}).'
                )
        if tumour_index == ignore_index:
            raise ValueError(
                f'BUSSegMetric tumour_index and ignore_index are both '
                f'{tumour_index}; use different label values.'
            )
        self.tumour_index = tumour_index
        self.ignore_index = ignore_index

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the pixel counts of each image of one batch.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): Packed predictions, each with
                ``pred_sem_seg`` and ``gt_sem_seg`` (``(1, H, W)`` or
                ``(H, W)`` label maps).
        """
        for sample in data_samples:
            pred = get_field(sample, 'pred_sem_seg', 'BUSSegMetric')
            gt = get_field(sample, 'gt_sem_seg', 'BUSSegMetric')
            self.results.append(
                self.image_areas(
                    to_numpy(pred),
                    to_numpy(gt),
                    self.tumour_index,
                    self.ignore_index,
                )
            )

    @staticmethod
    def image_areas(
        pred: np.ndarray,
        gt: np.ndarray,
        tumour_index: int = 1,
        ignore_index: int = 255,
    ) -> np.ndarray:
        """Count the pixels the metrics need for one image.

        Args:
            pred (np.ndarray): Predicted label map, ``(H, W)`` or
                ``(1, H, W)``.
            gt (np.ndarray): Ground-truth label map of the same size.
            tumour_index (int): Tumour label value.
            ignore_index (int): Label value left out of all counts.

        Returns:
            np.ndarray: int64 ``(4,)``: ``|Am & Ag|``, ``|Am|``, ``|Ag|`` and
            the number of evaluated (not ignored) pixels.

        Raises:
            ValueError: If the two maps differ in size.
        """
        pred = np.squeeze(np.asarray(pred))
        gt = np.squeeze(np.asarray(gt))
        if pred.shape != gt.shape:
            raise ValueError(
                f'BUSSegMetric: prediction of shape {pred.shape} and ground '
                f'truth of shape {gt.shape} differ. Evaluate at the original '
                f'image size: load the annotations after Resize in the test '
                f'pipeline (the segmentor resizes its prediction back).'
            )
        valid = gt != ignore_index
        am = (pred == tumour_index) & valid
        ag = (gt == tumour_index) & valid
        return np.array(
            [
                np.count_nonzero(am & ag),
                np.count_nonzero(am),
                np.count_nonzero(ag),
                np.count_nonzero(valid),
            ],
            dtype=np.int64,
        )

    @staticmethod
    def per_image_scores(areas: np.ndarray) -> Dict[str, np.ndarray]:
        """Per-image metric values (fractions, not percent).

        Args:
            areas (np.ndarray): ``(N, 4)`` rows from :meth:`image_areas`.

        Returns:
            dict[str, np.ndarray]: ``(N,)`` arrays for TPR, FPR, AER (``nan``
            where ``|Ag| = 0``), DSC, IoU (1 when both masks are empty),
            IoU_background and mIoU.
        """
        areas = np.asarray(areas, dtype=np.float64).reshape(-1, 4)
        inter, pred, gt, valid = areas.T
        union = pred + gt - inter
        bg_inter = valid - union
        bg_union = valid - inter
        has_gt = gt > 0
        safe_gt = np.where(has_gt, gt, 1.0)
        nan = np.full_like(gt, np.nan)
        both_empty = union == 0
        dsc = np.where(
            both_empty, 1.0, 2 * inter / np.where(both_empty, 1.0, pred + gt)
        )
        iou = np.where(
            both_empty, 1.0, inter / np.where(both_empty, 1.0, union)
        )
        bg_iou = np.where(
            bg_union == 0,
            1.0,
            bg_inter / np.where(bg_union == 0, 1.0, bg_union),
        )
        return OrderedDict(
            TPR=np.where(has_gt, inter / safe_gt, nan),
            FPR=np.where(has_gt, (pred - inter) / safe_gt, nan),
            DSC=dsc,
            AER=np.where(has_gt, (union - inter) / safe_gt, nan),
            IoU=iou,
            IoU_background=bg_iou,
            mIoU=(iou + bg_iou) / 2,
        )

    @staticmethod
    def pooled_scores(areas: np.ndarray) -> Dict[str, float]:
        """Metric values on pixel counts summed over all images (fractions).

        Args:
            areas (np.ndarray): ``(N, 4)`` rows from :meth:`image_areas`.

        Returns:
            dict[str, float]: TPR, FPR, DSC, AER, IoU, IoU_background, mIoU;
            ``nan`` where a denominator is zero.
        """
        total = np.asarray(areas, dtype=np.float64).reshape(-1, 4).sum(0)
        inter, pred, gt, valid = total
        union = pred + gt - inter

        def ratio(num: float, den: float) -> float:
            return float(num / den) if den > 0 else float('nan')

        iou = ratio(inter, union)
        bg_iou = ratio(valid - union, valid - inter)
        return OrderedDict(
            TPR=ratio(inter, gt),
            FPR=ratio(pred - inter, gt),
            DSC=ratio(2 * inter, pred + gt),
            AER=ratio(union - inter, gt),
            IoU=iou,
            IoU_background=bg_iou,
            mIoU=(iou + bg_iou) / 2,
        )

    @classmethod
    def summarise(cls, areas: np.ndarray) -> Dict[str, float]:
        """All reported values, in percent, from the per-image areas.

        Args:
            areas (np.ndarray): ``(N, 4)`` rows from :meth:`image_areas`.

        Returns:
            dict[str, float]: The keys listed in the module docstring.
        """
        areas = np.asarray(areas, dtype=np.int64).reshape(-1, 4)
        per_image = cls.per_image_scores(areas)
        metrics: Dict[str, float] = OrderedDict()
        for name, values in per_image.items():
            finite = values[~np.isnan(values)]
            metrics[name] = (
                float(finite.mean() * 100) if finite.size else float('nan')
            )
        for name, value in cls.pooled_scores(areas).items():
            metrics[f'pooled/{name}'] = value * 100
        empty = areas[:, _GT] == 0
        metrics['num_images'] = int(areas.shape[0])
        metrics['num_empty_gt'] = int(empty.sum())
        metrics['empty_gt/clean_rate'] = (
            float((areas[empty, _PRED] == 0).mean() * 100)
            if empty.any()
            else float('nan')
        )
        return metrics

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the metrics from the stored per-image counts.

        Args:
            results (list[np.ndarray]): ``(4,)`` records from
                :meth:`process`.

        Returns:
            dict[str, float]: Metric values in percent (see module doc).
        """
        metrics = self.summarise(
            np.stack(results) if results else np.zeros((0, 4), dtype=np.int64)
        )
        if metrics['num_empty_gt']:
            print_log(
                f'BUSSegMetric: {metrics["num_empty_gt"]} of '
                f'{metrics["num_images"]} images have an empty ground truth; '
                'they are left out of TPR/FPR/AER and count in DSC/IoU/mIoU '
                '(100 when the prediction is empty too).',
                logger='current',
            )
        shown = ', '.join(
            f'{k}={v:.2f}'
            for k, v in metrics.items()
            if k in ('TPR', 'FPR', 'DSC', 'AER', 'IoU', 'mIoU')
        )
        print_log(
            f'BUSSegMetric (per-image means, %): {shown}', logger='current'
        )
        return metrics
