"""Packing of a BUS sample: segmentation inputs plus the image label."""

from typing import Sequence

import numpy as np
import torch
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

__all__ = ['PackBUSInputs']


@TRANSFORMS.register_module()
class PackBUSInputs(PackSegInputs):
    """mmseg ``PackSegInputs`` that also packs the image label.

    Besides ``inputs`` (``(C, H, W)`` tensor) and ``gt_sem_seg``, the
    ``SegDataSample`` gets ``gt_label``: a LongTensor of shape ``(1,)``
    (0 benign, 1 malignant, 2 normal), the field mmpretrain's metrics and
    mmcosa's classification heads read.

    Required keys: ``img``; ``gt_label`` when ``require_label``.
    Optional keys: ``gt_seg_map`` and the ``meta_keys``.

    Args:
        meta_keys (Sequence[str]): Keys copied into the metainfo. Defaults
            to mmseg's list.
        require_label (bool): Raise when ``gt_label`` is missing. Set False
            for inference on unlabelled images. Defaults to True.
    """

    def __init__(
        self,
        meta_keys: Sequence[str] = (
            'img_path',
            'seg_map_path',
            'ori_shape',
            'img_shape',
            'pad_shape',
            'scale_factor',
            'flip',
            'flip_direction',
            'reduce_zero_label',
        ),
        require_label: bool = True,
    ) -> None:
        if not isinstance(require_label, bool):
            raise TypeError(
                f'require_label must be a bool, got {require_label!r}'
            )
        if 'gt_label' in meta_keys:
            raise ValueError(
                "'gt_label' must not be in meta_keys: it is packed as a "
                'LongTensor data field; remove it from meta_keys'
            )
        super().__init__(meta_keys=tuple(meta_keys))
        self.require_label = require_label

    @staticmethod
    def label_to_tensor(label, path=None) -> torch.Tensor:
        """Convert an int-like label to a LongTensor of shape ``(1,)``.

        Args:
            label (int | np.integer | np.ndarray | torch.Tensor): One
                non-negative integer label (a 0-d or one-element array is
                accepted).
            path (str, optional): Image path, for error messages.

        Returns:
            torch.Tensor: ``(1,)`` int64.
        """
        where = f' for {path}' if path else ''
        if isinstance(label, torch.Tensor):
            label = label.detach().cpu().numpy()
        if isinstance(label, np.ndarray):
            if label.size != 1:
                raise ValueError(
                    f'gt_label{where} must hold one value, got '
                    f'shape {label.shape}'
                )
            label = label.reshape(-1)[0]
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
            raise TypeError(
                f'gt_label{where} must be an int, got '
                f'{label!r} ({type(label).__name__})'
            )
        if label < 0:
            raise ValueError(f'gt_label{where} must be >= 0, got {label}')
        return torch.tensor([int(label)], dtype=torch.long)

    def transform(self, results: dict) -> dict:
        """Pack ``results`` into ``inputs`` and ``data_samples``.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``inputs`` ``(C, H, W)`` tensor and ``data_samples``
            (``SegDataSample`` with ``gt_sem_seg`` and ``gt_label``).
        """
        packed = super().transform(results)
        if 'gt_label' in results and results['gt_label'] is not None:
            packed['data_samples'].gt_label = self.label_to_tensor(
                results['gt_label'], results.get('img_path')
            )
        elif self.require_label:
            raise KeyError(
                f"PackBUSInputs: no 'gt_label' in the sample "
                f'{results.get("img_path", "")!s}; use a data set that sets '
                'it (BUSDataset, BUSPhantomDataset) or, for unlabelled '
                'images, PackBUSInputs(require_label=False)'
            )
        return packed

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(meta_keys={self.meta_keys}, '
            f'require_label={self.require_label})'
        )
