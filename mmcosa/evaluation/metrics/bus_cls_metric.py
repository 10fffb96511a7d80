"""Breast-ultrasound benign / malignant classification metric.

Binary metrics with a configurable positive class (paper Sec. 3)::

    TPR = TP / (TP + FN)        FPR = FP / (FP + TN)
    ACC = (TP + TN) / N         PRE = TP / (TP + FP)
    F1  = 2 PRE TPR / (PRE + TPR)
    AUC = area under the ROC curve of the positive-class score

The paper's tables take **benign** as the positive class, the default here
(``positive_class='benign'``); the clinical convention is malignant. The
malignant-positive sensitivity and specificity are always reported beside
the configured ones as ``malignant/sensitivity`` and
``malignant/specificity``. Values are in percent except ``AUC`` (0-1, as in
the paper's Fig. 3). A ratio whose denominator is zero is reported as 0,
as in mmpretrain, except AUC which is ``nan`` with a single class present.

AUC is the Mann-Whitney statistic: the probability that a random positive
scores above a random negative, ties counting one half. It equals the
trapezoid area under the ROC curve built over the distinct score
thresholds, which is kept on the metric (:attr:`BUSClsMetric.roc`) and
optionally written to ``roc_file`` as JSON for plotting.

Samples whose ground truth is not benign (0) or malignant (1), i.e. BUSI's
"normal" (2) when normals are kept, are left out of every figure and counted
in ``num_excluded``. A prediction of a third class on a benign or malignant
image counts as a negative prediction.
"""

import json
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.utils import mkdir_or_exist
from mmpretrain.evaluation import ConfusionMatrix
from mmseg.registry import METRICS

from mmcosa.datasets.metainfo import CLS_CLASSES, MALIGNANT_LABEL

from .utils import get_field, to_numpy

__all__ = ['BUSClsMetric']


@METRICS.register_module()
class BUSClsMetric(BaseMetric):
    """Benign / malignant classification metrics with ROC and AUC.

    Args:
        positive_class (str | int): The positive class for TPR, FPR, PRE,
            F1 and AUC: ``'benign'`` (the paper's convention, label 0) or
            ``'malignant'`` (label 1), or the label itself. Defaults to
            ``'benign'``.
        roc_file (str, optional): When set, ``compute_metrics`` writes the
            ROC points, AUC and per-sample scores there as JSON. Defaults to
            None.
        collect_device (str): Device used to collect results across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'cls'``.

    Attributes:
        roc (dict): After evaluation, ``fpr``, ``tpr``, ``thresholds`` (lists,
            the first threshold is ``inf``), ``auc`` and ``positive_class``.
        scores (dict): After evaluation, per-sample ``score`` (positive-class
            probability), ``gt_label`` and ``pred_label`` lists of the
            evaluated (non-excluded) samples, and ``probs`` (full score
            vectors), ``all_gt_label``, ``all_pred_label`` of every sample
            (for :meth:`summarise` with another positive class).
    """

    default_prefix: Optional[str] = 'cls'

    def __init__(
        self,
        positive_class: Union[str, int] = 'benign',
        roc_file: Optional[str] = None,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if isinstance(positive_class, str):
            if positive_class not in CLS_CLASSES:
                raise ValueError(
                    f'BUSClsMetric positive_class must be one of '
                    f'{CLS_CLASSES} or the label 0 / 1, got '
                    f'{positive_class!r}.'
                )
            self.positive_label = CLS_CLASSES.index(positive_class)
        elif isinstance(positive_class, int) and not isinstance(
            positive_class, bool
        ):
            if positive_class not in (0, 1):
                raise ValueError(
                    f'BUSClsMetric positive_class label must be 0 (benign) '
                    f'or 1 (malignant), got {positive_class}.'
                )
            self.positive_label = positive_class
        else:
            raise TypeError(
                f'BUSClsMetric positive_class must be a str or int, got '
                f'{positive_class!r} ({type(positive_class).__name__}).'
            )
        if roc_file is not None and not isinstance(roc_file, str):
            raise TypeError(
                f'BUSClsMetric roc_file must be a path string '
                f'or None, got {roc_file!r}.'
            )
        self.positive_class = CLS_CLASSES[self.positive_label]
        self.roc_file = roc_file
        self.roc: Dict[str, Any] = {}
        self.scores: Dict[str, list] = {}

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store score, predicted label and true label of each sample.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): ``SegDataSample`` or mmpretrain
                ``DataSample`` dicts with ``pred_score`` ``(C,)``,
                ``gt_label`` ``(1,)`` and optionally ``pred_label`` ``(1,)``
                (argmax of the score when absent).
        """
        for sample in data_samples:
            score = to_numpy(
                get_field(sample, 'pred_score', 'BUSClsMetric')
            ).astype(np.float64)
            score = score.reshape(-1)
            gt = int(
                to_numpy(
                    get_field(sample, 'gt_label', 'BUSClsMetric')
                ).reshape(-1)[0]
            )
            if isinstance(sample, dict):
                pred = sample.get('pred_label', None)
            else:
                pred = getattr(sample, 'pred_label', None)
            pred = (
                int(np.argmax(score))
                if pred is None
                else int(to_numpy(pred).reshape(-1)[0])
            )
            self.results.append(dict(score=score, pred=pred, gt=gt))

    @staticmethod
    def binary_metrics(
        pred_label: np.ndarray, gt_label: np.ndarray, positive: int
    ) -> Dict[str, float]:
        """TPR, FPR, ACC, PRE, F1 (fractions) for one positive class.

        The confusion matrix comes from mmpretrain's
        ``ConfusionMatrix.calculate``.

        Args:
            pred_label (np.ndarray): ``(N,)`` predicted labels.
            gt_label (np.ndarray): ``(N,)`` true labels.
            positive (int): The positive label; any other label is negative.

        Returns:
            dict[str, float]: TPR, FPR, ACC, PRE, F1 and the counts TP, FP,
            TN, FN. Zero denominators give 0.
        """
        pred_label = np.asarray(pred_label, dtype=np.int64).reshape(-1)
        gt_label = np.asarray(gt_label, dtype=np.int64).reshape(-1)
        num_classes = (
            int(max(pred_label.max(initial=1), gt_label.max(initial=1))) + 1
        )
        matrix = ConfusionMatrix.calculate(
            torch.from_numpy(pred_label),
            torch.from_numpy(gt_label),
            num_classes=num_classes,
        ).numpy()
        tp = int(matrix[positive, positive])
        fn = int(matrix[positive].sum()) - tp
        fp = int(matrix[:, positive].sum()) - tp
        total = int(matrix.sum())
        correct = int(np.trace(matrix))
        tn = total - tp - fn - fp

        def ratio(num: float, den: float) -> float:
            return float(num / den) if den > 0 else 0.0

        tpr = ratio(tp, tp + fn)
        pre = ratio(tp, tp + fp)
        return OrderedDict(
            TPR=tpr,
            FPR=ratio(fp, fp + tn),
            ACC=ratio(correct, total),
            PRE=pre,
            F1=ratio(2 * pre * tpr, pre + tpr),
            TP=tp,
            FP=fp,
            TN=tn,
            FN=fn,
        )

    @staticmethod
    def roc_curve(
        scores: np.ndarray, is_positive: np.ndarray
    ) -> Dict[str, np.ndarray]:
        """ROC points over the distinct score thresholds.

        A sample is called positive when its score is ``>= threshold``;
        tied scores move together, so a tie between a positive and a
        negative gives a diagonal segment.

        Args:
            scores (np.ndarray): ``(N,)`` positive-class scores.
            is_positive (np.ndarray): ``(N,)`` booleans, True for positives.

        Returns:
            dict[str, np.ndarray]: ``fpr``, ``tpr`` and ``thresholds``, each
            ``(K + 1,)`` for K distinct scores, starting at (0, 0) with
            threshold ``inf`` and ending at (1, 1). Rates are ``nan`` for a
            class with no samples.
        """
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        is_positive = np.asarray(is_positive, dtype=bool).reshape(-1)
        order = np.argsort(-scores, kind='mergesort')
        scores, is_positive = scores[order], is_positive[order]
        last = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]
        last = last[last >= 0]
        tps = np.cumsum(is_positive)[last]
        fps = last + 1 - tps
        num_pos, num_neg = is_positive.sum(), (~is_positive).sum()
        with np.errstate(invalid='ignore', divide='ignore'):
            tpr = (
                np.r_[0, tps] / num_pos
                if num_pos
                else np.full(last.size + 1, np.nan)
            )
            fpr = (
                np.r_[0, fps] / num_neg
                if num_neg
                else np.full(last.size + 1, np.nan)
            )
        return dict(
            fpr=fpr.astype(np.float64),
            tpr=tpr.astype(np.float64),
            thresholds=np.r_[np.inf, scores[last]],
        )

    @staticmethod
    def auc(scores: np.ndarray, is_positive: np.ndarray) -> float:
        """Mann-Whitney AUC with ties counting one half.

        Args:
            scores (np.ndarray): ``(N,)`` positive-class scores.
            is_positive (np.ndarray): ``(N,)`` booleans.

        Returns:
            float: AUC in [0, 1], ``nan`` if either class is absent.
        """
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        is_positive = np.asarray(is_positive, dtype=bool).reshape(-1)
        pos, neg = scores[is_positive], scores[~is_positive]
        if pos.size == 0 or neg.size == 0:
            return float('nan')
        # Average ranks (1-based) handle ties: each tie gets half credit.
        _, inverse, counts = np.unique(
            scores, return_inverse=True, return_counts=True
        )
        upper = np.cumsum(counts)
        ranks = (upper - (counts - 1) / 2.0)[inverse]
        rank_sum = ranks[is_positive].sum()
        u_stat = rank_sum - pos.size * (pos.size + 1) / 2.0
        return float(u_stat / (pos.size * neg.size))

    @classmethod
    def summarise(
        cls,
        probs: Sequence[np.ndarray],
        gt_label: Sequence[int],
        pred_label: Sequence[int],
        positive: int,
    ) -> Tuple[Dict[str, float], Dict[str, Any]]:
        """All reported values and the ROC curve from per-sample records.

        Usable offline, e.g. to recompute a saved test run with the other
        positive class.

        Args:
            probs (Sequence[np.ndarray]): ``(C,)`` class scores per sample.
            gt_label (Sequence[int]): True labels; labels other than 0 / 1
                are excluded (counted in ``num_excluded``).
            pred_label (Sequence[int]): Predicted labels.
            positive (int): Positive label, 0 (benign) or 1 (malignant).

        Returns:
            tuple[dict, dict]: The metrics (keys as in
            :meth:`compute_metrics`) and the ROC (``fpr``, ``tpr``,
            ``thresholds`` lists, ``auc``, ``positive_class``).

        Raises:
            ValueError: If a score vector is too short for ``positive``.
        """
        gt = np.asarray(gt_label, dtype=np.int64).reshape(-1)
        pred = np.asarray(pred_label, dtype=np.int64).reshape(-1)
        keep = np.isin(gt, (0, 1))
        kept = [np.asarray(p).reshape(-1) for p, k in zip(probs, keep) if k]
        bad = [p.size for p in kept if p.size <= positive]
        if bad:
            raise ValueError(
                f'BUSClsMetric: pred_score has {bad[0]} entries, too few '
                f'for the positive label {positive}.'
            )
        score = np.array([p[positive] for p in kept], dtype=np.float64)
        gt, pred = gt[keep], pred[keep]
        is_pos = gt == positive

        metrics: Dict[str, float] = OrderedDict()
        if gt.size:
            main = cls.binary_metrics(pred, gt, positive)
            malignant = cls.binary_metrics(pred, gt, MALIGNANT_LABEL)
        else:
            main = malignant = dict.fromkeys(
                ('TPR', 'FPR', 'ACC', 'PRE', 'F1'), float('nan')
            )
        for name in ('TPR', 'FPR', 'ACC', 'PRE', 'F1'):
            metrics[name] = main[name] * 100
        auc = cls.auc(score, is_pos)
        metrics['AUC'] = auc
        metrics['malignant/sensitivity'] = malignant['TPR'] * 100
        metrics['malignant/specificity'] = (1 - malignant['FPR']) * 100
        metrics['num_samples'] = int(gt.size)
        metrics['num_excluded'] = int((~keep).sum())
        roc = cls.roc_curve(score, is_pos)
        roc_dict = dict(
            fpr=roc['fpr'].tolist(),
            tpr=roc['tpr'].tolist(),
            thresholds=roc['thresholds'].tolist(),
            auc=auc,
            positive_class=CLS_CLASSES[positive],
        )
        return metrics, roc_dict

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the metrics and keep the ROC curve.

        Args:
            results (list[dict]): Records from :meth:`process`.

        Returns:
            dict[str, float]: TPR, FPR, ACC, PRE, F1 (percent, configured
            positive class), AUC (0-1), ``malignant/sensitivity``,
            ``malignant/specificity`` (percent), ``num_samples``,
            ``num_excluded``.
        """
        probs = [r['score'] for r in results]
        gt = [r['gt'] for r in results]
        pred = [r['pred'] for r in results]
        metrics, self.roc = self.summarise(
            probs, gt, pred, self.positive_label
        )
        keep = np.isin(gt, (0, 1))
        self.scores = dict(
            score=[
                float(p[self.positive_label]) for p, k in zip(probs, keep) if k
            ],
            gt_label=[int(g) for g, k in zip(gt, keep) if k],
            pred_label=[int(p) for p, k in zip(pred, keep) if k],
            probs=[[float(v) for v in p] for p in probs],
            all_gt_label=[int(g) for g in gt],
            all_pred_label=[int(p) for p in pred],
        )
        if self.roc_file:
            mkdir_or_exist(osp.dirname(osp.abspath(self.roc_file)))
            with open(self.roc_file, 'w') as f:
                json.dump(dict(roc=self.roc, scores=self.scores), f)
        if metrics['num_excluded']:
            print_log(
                f'BUSClsMetric: left out {metrics["num_excluded"]} samples '
                'whose label is neither benign (0) nor malignant (1).',
                logger='current',
            )
        print_log(
            f'BUSClsMetric ({self.positive_class} positive): '
            + ', '.join(f'{k}={v:.4g}' for k, v in metrics.items()),
            logger='current',
        )
        return metrics
