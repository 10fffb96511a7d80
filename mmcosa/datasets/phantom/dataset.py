"""An mmseg data set of phantom breast-ultrasound cases made on the fly."""

import time
from typing import Callable, Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from ..metainfo import BUS_METAINFO
from .generator import generate_sample, label_of_index, to_hw

__all__ = ['BUSPhantomDataset']

SPLITS = ('train', 'test', 'all')
COLOR_TYPES = ('color', 'grayscale')


@DATASETS.register_module()
class BUSPhantomDataset(BaseSegDataset):
    """Procedural breast-ultrasound phantom, generated on the fly.

    No files are read or written. A fixed pool of ``num_samples`` cases is
    defined by ``seed``: case ``i`` is rendered by
    :func:`~mmcosa.datasets.phantom.generate_sample` from ``(seed, i)``
    alone, so a sample is identical in every process and every run. The pool
    is split into ``num_folds`` folds stratified by label (fold sizes and
    class counts differ by at most one); ``split='test'`` selects fold
    ``fold``, ``'train'`` the other folds, ``'all'`` the whole pool.

    Benign and malignant cases differ in the lesion (shape, margin,
    orientation, echo pattern, posterior enhancement or shadowing), not in
    the global image statistics; lesion size follows the same distribution
    in both classes.

    The dict handed to ``pipeline`` already holds the loaded sample, so the
    pipeline starts **after** loading (no ``LoadImageFromFile`` /
    ``LoadAnnotations``):

    - ``img``: ``(H, W, 3)`` uint8 (grey replicated) or ``(H, W)`` with
      ``color_type='grayscale'``;
    - ``gt_seg_map``: ``(H, W)`` uint8 in {0, 1}; ``seg_fields``:
      ``['gt_seg_map']``;
    - ``gt_label``: int, 0 benign / 1 malignant;
    - ``img_shape``, ``ori_shape``: ``(H, W)``; ``img_path``: a pseudo
      name ``phantom_s{seed}_{index:05d}.png`` (no such file exists);
      ``seg_map_path``: None; ``phantom_index``: pool index.

    Args:
        num_samples (int): Size of the pool. Defaults to 200.
        seed (int): Pool seed. Defaults to 0.
        img_size (int | Sequence[int]): ``S`` or ``(H, W)``. Defaults to 256.
        fold (int): Fold used as the test split. Defaults to 0.
        num_folds (int): Number of folds. Defaults to 5.
        split (str): 'train', 'test' or 'all'. Defaults to 'all'.
        malignant_ratio (float): Fraction of malignant cases. Defaults to
            0.5.
        p_atypical (float): Probability that a lesion shows some features
            of the other class (label noise of the appearance). Defaults to
            0.15.
        color_type (str): 'color' (3 equal channels) or 'grayscale'.
            Defaults to 'color'.
        cache (bool): Render the selected cases once at initialisation and
            keep them in memory (about ``H * W`` bytes each, shared with
            data loader workers). Defaults to False.
        pipeline (list, optional): Transforms applied after loading.
            Defaults to None (no transform).
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`
            (``test_mode``, ``lazy_init``, ``indices``, ``max_refetch``,
            ``metainfo``; ``serialize_data`` defaults to False here).
    """

    METAINFO = BUS_METAINFO

    def __init__(
        self,
        num_samples: int = 200,
        seed: int = 0,
        img_size: Union[int, Sequence[int]] = 256,
        fold: int = 0,
        num_folds: int = 5,
        split: str = 'all',
        malignant_ratio: float = 0.5,
        p_atypical: float = 0.15,
        color_type: str = 'color',
        cache: bool = False,
        pipeline: Optional[List[Union[dict, Callable]]] = None,
        **kwargs,
    ) -> None:
        self._check_args(
            num_samples,
            seed,
            fold,
            num_folds,
            split,
            malignant_ratio,
            p_atypical,
            color_type,
        )
        self.num_samples = num_samples
        self.seed = seed
        self.img_size = to_hw(img_size)
        self.fold = fold
        self.num_folds = num_folds
        self.split = split
        self.malignant_ratio = float(malignant_ratio)
        self.p_atypical = float(p_atypical)
        self.color_type = color_type
        self.cache = cache
        # the data list is small (cached images are shared copy-on-write
        # with workers anyway); serialising it costs a gc.collect (~0.5 s)
        kwargs.setdefault('serialize_data', False)
        super().__init__(pipeline=pipeline or [], **kwargs)

    @staticmethod
    def _check_args(
        num_samples,
        seed,
        fold,
        num_folds,
        split,
        malignant_ratio,
        p_atypical,
        color_type,
    ) -> None:
        for name, value in (
            ('num_samples', num_samples),
            ('seed', seed),
            ('fold', fold),
            ('num_folds', num_folds),
        ):
            if not isinstance(value, (int, np.integer)) or isinstance(
                value, bool
            ):
                raise TypeError(f'{name} must be an int, got {value!r}')
        if num_folds < 2:
            raise ValueError(f'num_folds must be >= 2, got {num_folds}')
        if not 0 <= fold < num_folds:
            raise ValueError(
                f'fold must be in [0, {num_folds - 1}] for '
                f'num_folds={num_folds}, got {fold}'
            )
        if num_samples < num_folds:
            raise ValueError(
                f'num_samples ({num_samples}) must be at least '
                f'num_folds ({num_folds})'
            )
        if seed < 0:
            raise ValueError(f'seed must be >= 0, got {seed}')
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        for name, value in (
            ('malignant_ratio', malignant_ratio),
            ('p_atypical', p_atypical),
        ):
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f'{name} must be in [0, 1], got {value}')
        if color_type not in COLOR_TYPES:
            raise ValueError(
                f'color_type must be one of {COLOR_TYPES}, got {color_type!r}'
            )

    @staticmethod
    def fold_assignment(
        labels: Sequence[int], num_folds: int, seed: int
    ) -> np.ndarray:
        """Stratified fold of each pool index.

        Each class is shuffled with ``seed`` and dealt round-robin over the
        folds, the second class starting where the first stopped, so fold
        sizes and per-class counts differ by at most one.

        Args:
            labels (Sequence[int]): Label of each pool index.
            num_folds (int): Number of folds.
            seed (int): Shuffle seed.

        Returns:
            np.ndarray: Fold of each index, shape ``(len(labels),)``.
        """
        labels = np.asarray(labels)
        rng = np.random.default_rng([seed, 1])
        folds = np.empty(len(labels), np.int64)
        start = 0
        for c in np.unique(labels):
            idx = rng.permutation(np.nonzero(labels == c)[0])
            folds[idx] = (start + np.arange(len(idx))) % num_folds
            start = (start + len(idx)) % num_folds
        return folds

    def pool_labels(self) -> np.ndarray:
        """Labels of the whole pool, shape ``(num_samples,)``."""
        return np.array(
            [
                label_of_index(i, self.malignant_ratio)
                for i in range(self.num_samples)
            ]
        )

    def load_data_list(self) -> List[dict]:
        """Describe the selected cases (rendering them if ``cache``)."""
        labels = self.pool_labels()
        folds = self.fold_assignment(labels, self.num_folds, self.seed)
        if self.split == 'test':
            indices = np.nonzero(folds == self.fold)[0]
        elif self.split == 'train':
            indices = np.nonzero(folds != self.fold)[0]
        else:
            indices = np.arange(self.num_samples)
        data_list = []
        for i in indices.tolist():
            data_list.append(
                dict(
                    img_path=f'phantom_s{self.seed}_{i:05d}.png',
                    seg_map_path=None,
                    phantom_index=i,
                    gt_label=int(labels[i]),
                    label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[],
                )
            )
        if self.cache:
            start = time.perf_counter()
            for info in data_list:
                info.update(self._render(info['phantom_index']))
            print_log(
                f'BUSPhantomDataset: rendered {len(data_list)} cases '
                f'({self.split}, fold {self.fold}) in '
                f'{time.perf_counter() - start:.1f} s',
                logger='current',
            )
        return data_list

    def _render(self, index: int) -> Dict[str, np.ndarray]:
        sample = generate_sample(
            self.seed,
            index,
            self.img_size,
            self.malignant_ratio,
            p_atypical=self.p_atypical,
        )
        return dict(img=sample['img'], gt_seg_map=sample['mask'])

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Render (or fetch) case ``idx`` and run the pipeline on it."""
        results = self.get_data_info(idx)
        if 'img' not in results:
            results.update(self._render(results['phantom_index']))
        img = results['img']
        if self.color_type == 'color':
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        results['seg_fields'] = ['gt_seg_map']
        return self.pipeline(results)
