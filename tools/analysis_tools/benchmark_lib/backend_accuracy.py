"""Accuracy of the reduced paths against fp32 PyTorch on test images.

A trained checkpoint is exported and quantised as in the timing part; the
first N images of its config's test split are predicted by fp32 PyTorch
(:func:`mmcosa.apis.inference_model`, the reference), ONNX Runtime fp32
and int8 (:class:`~mmcosa.deployment.OnnxRunner`) and, where the CPU has
native bf16, bf16 autocast behind the runner's pre- and postprocessing.
"""

import copy
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmcosa.apis import init_model
from mmcosa.apis.inference import _find_dataset_cfg
from mmcosa.datasets.metainfo import MALIGNANT_LABEL
from mmcosa.deployment import compare_predictions, torch_predictions
from mmcosa.evaluation.metrics.bus_cls_metric import BUSClsMetric

from .backend_paths import PATHS, REFERENCE, build_paths

__all__ = ['ACCURACY_TARGETS', 'backend_accuracy', 'first_test_images']

#: Pooled mask IoU against fp32 (>=), max |p(malignant) diff| (<=) and
#: |AUC diff| (<=), the targets of every other path.
ACCURACY_TARGETS = dict(iou=0.99, max_prob_diff=0.01, auc_diff=0.005)


def _loading_steps(pipeline: List) -> List:
    """The steps of ``pipeline`` that read the image from disk."""
    return [
        step
        for step in pipeline or []
        if isinstance(step, dict)
        and str(step.get('type', '')).startswith('LoadImage')
    ]


def first_test_images(
    cfg: Config, num: int
) -> Tuple[List[np.ndarray], np.ndarray]:
    """The first ``num`` images of the config's test split and their
    labels.

    The (innermost) test dataset is built with its loading steps only;
    grey images are replicated to BGR.

    Args:
        cfg (Config): The model config.
        num (int): How many images at most.

    Returns:
        tuple: BGR uint8 images and their ``gt_label`` (int array).

    Raises:
        ValueError: If the config has no test dataset or it is empty.
    """
    dataset_cfg = _find_dataset_cfg(cfg)
    if dataset_cfg is None:
        raise ValueError(
            'the deploy config has no test_dataloader / val_dataloader '
            'dataset: the accuracy check needs its test images.'
        )
    dataset_cfg = copy.deepcopy(dict(dataset_cfg))
    dataset_cfg['pipeline'] = _loading_steps(dataset_cfg.get('pipeline'))
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(dataset_cfg)
    if len(dataset) == 0:
        raise ValueError(f'the test split of {cfg.filename} is empty.')
    images, labels = [], []
    for idx in range(min(num, len(dataset))):
        sample = dataset[idx]
        img = sample['img']
        if img.ndim == 2 or img.shape[2] == 1:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        images.append(np.ascontiguousarray(img))
        labels.append(int(sample['gt_label']))
    return images, np.asarray(labels)


def _auc(preds: List[Dict], labels: np.ndarray) -> Optional[float]:
    """AUC of p(malignant), malignant positive (Mann-Whitney); None when
    the images hold one class only."""
    scores = np.array([p['probs'][MALIGNANT_LABEL] for p in preds])
    auc = BUSClsMetric.auc(scores, labels == MALIGNANT_LABEL)
    return None if np.isnan(auc) else auc


def _row(
    reference: List[Dict],
    preds: List[Dict],
    labels: np.ndarray,
    ref_auc: Optional[float],
) -> Dict:
    """Agreement with fp32 PyTorch, AUC, and the verdict (the AUC is left
    out of it, as None, when the images hold one class only)."""
    row = compare_predictions(reference, preds)
    row['auc'] = _auc(preds, labels)
    row['auc_diff'] = None if ref_auc is None else row['auc'] - ref_auc
    t = ACCURACY_TARGETS
    row['met'] = bool(
        row['iou'] >= t['iou']
        and row['max_prob_diff'] <= t['max_prob_diff']
        and (row['auc_diff'] is None or abs(row['auc_diff']) <= t['auc_diff'])
    )
    return row


def backend_accuracy(opts, work_dir: str, threads: int, bf16: Dict) -> Dict:
    """Export and quantise the deploy checkpoint; compare every path with
    fp32 PyTorch on the first test images.

    Args:
        opts (BackendOptions): ``deploy_config``, ``deploy_checkpoint``,
            ``accuracy_images``, ``calibration_images``.
        work_dir (str): Where its ONNX files go (a ``deploy/`` subfolder).
        threads (int): ONNX Runtime threads.
        bf16 (dict): :func:`mmcosa.utils.cpu_features.bf16_support`.

    Returns:
        dict: ``config``, ``checkpoint``, ``num_images``,
        ``num_malignant``, ``targets`` and ``rows`` (path -> the figures of
        :func:`~mmcosa.deployment.compare_predictions` with ``auc``,
        ``auc_diff`` (None with one class only) and ``met``; or
        ``status='skipped'`` with ``reason``).
    """
    model = init_model(opts.deploy_config, opts.deploy_checkpoint)
    images, labels = first_test_images(model.cfg, opts.accuracy_images)
    print_log(
        f'benchmark: accuracy on {len(images)} test images of '
        f'{osp.basename(opts.deploy_config)}',
        logger='current',
    )
    deploy_dir = osp.join(work_dir, 'deploy')
    paths = build_paths(
        model,
        deploy_dir,
        opts.calibration_images,
        threads,
        bf16,
        predictors=True,
    )
    reference = torch_predictions(model, images)
    ref_auc = _auc(reference, labels)
    rows = {}
    for name in PATHS:
        if name == REFERENCE:
            rows[name] = _row(reference, reference, labels, ref_auc)
        elif name in paths.skipped:
            rows[name] = dict(status='skipped', reason=paths.skipped[name])
        else:
            preds = [paths.predictors[name](img) for img in images]
            rows[name] = _row(reference, preds, labels, ref_auc)
    return dict(
        config=opts.deploy_config,
        checkpoint=opts.deploy_checkpoint,
        num_images=len(images),
        num_malignant=int((labels == MALIGNANT_LABEL).sum()),
        targets=dict(ACCURACY_TARGETS),
        rows=rows,
    )
