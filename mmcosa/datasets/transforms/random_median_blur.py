"""Random median blur of the image (the paper's augmentation)."""

from typing import Sequence, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

from ._checks import check_odd_range, check_prob

__all__ = ['RandomMedianBlur']


@TRANSFORMS.register_module()
class RandomMedianBlur(BaseTransform):
    """Median-filter the image with a random kernel, with probability.

    Only ``img`` changes; segmentation maps are untouched. uint8 images take
    any odd kernel; float32 images only 3 or 5 (an OpenCV limit).

    Required keys: ``img``. Modified keys: ``img``.

    Args:
        prob (float): Probability of filtering. Defaults to 0.5.
        kernel_size (int | Sequence[int]): Odd kernel size or ``(min, max)``
            range of odd sizes. Defaults to (3, 5).
    """

    def __init__(
        self,
        prob: float = 0.5,
        kernel_size: Union[int, Sequence[int]] = (3, 5),
    ) -> None:
        self.prob = check_prob('prob', prob)
        self.kernel_size = check_odd_range('kernel_size', kernel_size)

    @cache_randomness
    def _sample(self):
        lo, hi = self.kernel_size
        k = lo + 2 * np.random.randint(0, (hi - lo) // 2 + 1)
        return np.random.rand() < self.prob, int(k)

    def transform(self, results: dict) -> dict:
        """Median-filter ``results['img']`` with probability ``prob``."""
        apply, k = self._sample()
        if not apply:
            return results
        img = results['img']
        if img.dtype != np.uint8:
            if k > 5:
                raise ValueError(
                    f'RandomMedianBlur: kernel size {k} needs a uint8 image '
                    f'(got {img.dtype}); use kernel_size <= 5 or apply it '
                    'before any float conversion'
                )
            img = img.astype(np.float32)
        results['img'] = cv2.medianBlur(img, k).reshape(img.shape)
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(prob={self.prob}, '
            f'kernel_size={self.kernel_size})'
        )
