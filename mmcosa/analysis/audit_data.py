"""Test images with their lesion masks, and the rest of the test pipeline.

The audit edits images *before* the model's pipeline sees them, so the
config's test pipeline is cut in two: the loading steps (``LoadImage*``,
``LoadAnnotations``), run by the data set to give the original image and
mask, and the remaining steps (resize, pad, pack), run on each edited
copy. Data sets that hand over loaded samples (``BUSPhantomDataset``) need
no loading step; a pipeline that loads no mask (the single-task
classifiers' ``busi_cls.py``) gets mmseg's ``LoadAnnotations`` added.
"""

import copy
from typing import Iterator, List, Optional, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

__all__ = [
    'chunks',
    'iter_audit_samples',
    'pack_variant',
    'split_test_pipeline',
    'test_dataset_cfg',
]


def _step_name(step) -> str:
    kind = step.get('type', '') if isinstance(step, dict) else ''
    return str(kind).split('.')[-1]


def _is_loading(step) -> bool:
    name = _step_name(step)
    return name.startswith('LoadImage') or 'LoadAnnotations' in name


def test_dataset_cfg(cfg: Config) -> dict:
    """The innermost test data set config (wrappers unwrapped).

    Raises:
        ValueError: If the config has no ``test_dataloader.dataset``.
    """
    loader = cfg.get('test_dataloader', None) or {}
    dataset = loader.get('dataset', None)
    while isinstance(dataset, dict) and 'pipeline' not in dataset:
        inner = dataset.get('dataset', None)
        if inner is None and dataset.get('datasets'):
            inner = dataset['datasets'][0]
        dataset = inner
    if not isinstance(dataset, dict):
        raise ValueError(
            'the config has no test_dataloader.dataset with a pipeline; '
            'the audit runs on the test split of a BUSDataset or '
            'BUSPhantomDataset config'
        )
    return copy.deepcopy(dict(dataset))


def split_test_pipeline(dataset_cfg: dict) -> Tuple[list, list]:
    """Loading steps and the other steps of a test data set's pipeline.

    Returns:
        tuple[list, list]: ``(loading, rest)``; ``loading`` gains
        ``LoadAnnotations`` when it loads an image but no mask.
    """
    steps = list(dataset_cfg.get('pipeline', None) or [])
    loading = [s for s in steps if _is_loading(s)]
    rest = [s for s in steps if not _is_loading(s)]
    if loading and not any(
        'LoadAnnotations' in _step_name(s) for s in loading
    ):
        loading.append(dict(type='LoadAnnotations'))
    return loading, rest


def iter_audit_samples(
    cfg: Config, fold: Optional[int] = None
) -> Tuple[int, Iterator[dict], Compose, dict]:
    """The test split's samples, loaded at their original size.

    Args:
        cfg (Config): The model config (its ``test_dataloader``).
        fold (int, optional): Overrides the data set's ``fold``.

    Returns:
        tuple: ``(num, samples, pipeline, dataset_cfg)``: the number of
        samples; an iterator of dicts ``img`` (uint8 ``(H, W[, C])``, the
        colour order of the loader), ``mask`` ((H, W) uint8, 1 lesion),
        ``gt_label`` (int), ``img_path``; the remaining test steps as a
        ``Compose``; the data set config used.

    Raises:
        ValueError: If a sample has no lesion mask or label, or the mask
            and image sizes differ.
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    ds_cfg = test_dataset_cfg(cfg)
    if fold is not None:
        ds_cfg['fold'] = fold
    loading, rest = split_test_pipeline(ds_cfg)
    ds_cfg['pipeline'] = loading
    if ds_cfg.get('type') == 'BUSPhantomDataset':
        ds_cfg['cache'] = False  # rendered one at a time, not all kept
    dataset = DATASETS.build(ds_cfg)

    def samples() -> Iterator[dict]:
        for i in range(len(dataset)):
            results = dataset[i]
            path = results.get('img_path', f'#{i}')
            mask = results.get('gt_seg_map', None)
            if mask is None:
                raise ValueError(
                    f'{path}: the test data set gives no lesion mask '
                    f'(gt_seg_map); the audit needs one per image'
                )
            if results.get('gt_label', None) is None:
                raise ValueError(
                    f'{path}: the test data set gives no image label '
                    f'(gt_label); use a labelled set (BUSDataset, '
                    f'BUSPhantomDataset)'
                )
            img = np.ascontiguousarray(results['img'])
            if mask.shape != img.shape[:2]:
                raise ValueError(
                    f'{path}: mask {mask.shape} and image '
                    f'{img.shape[:2]} differ in size; the loading steps '
                    f'must not resize'
                )
            yield dict(
                img=img,
                mask=(np.asarray(mask) == 1).astype(np.uint8),
                gt_label=int(results['gt_label']),
                img_path=str(path),
            )

    return len(dataset), samples(), Compose(rest), ds_cfg


def pack_variant(
    pipeline: Compose, img: np.ndarray, sample: dict
) -> Optional[dict]:
    """Run the non-loading test steps on an edited copy of a sample."""
    h, w = img.shape[:2]
    results = dict(
        img=img,
        img_path=sample['img_path'],
        seg_map_path=None,
        ori_shape=(h, w),
        img_shape=(h, w),
        gt_label=sample['gt_label'],
        seg_fields=[],
        reduce_zero_label=False,
    )
    return pipeline(results)


def chunks(items: List, size: int) -> Iterator[List]:
    """Consecutive runs of at most ``size`` items with equal input shape
    (a test batch must hold images of one size)."""
    run: List = []
    for item in items:
        if run and (
            len(run) == size or item['inputs'].shape != run[0]['inputs'].shape
        ):
            yield run
            run = []
        run.append(item)
    if run:
        yield run
