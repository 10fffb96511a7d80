"""Random Gaussian blur of the image (the paper's augmentation)."""

from typing import Sequence, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

from ._checks import check_odd_range, check_prob, check_range

__all__ = ['RandomGaussianBlur']


@TRANSFORMS.register_module()
class RandomGaussianBlur(BaseTransform):
    """Blur the image with a random Gaussian kernel, with probability.

    Only ``img`` changes; segmentation maps are untouched. Randomness comes
    from ``np.random`` (seeded by mmengine's ``randomness`` setting and per
    data loader worker), as in mmcv's transforms.

    Required keys: ``img``. Modified keys: ``img``.

    Args:
        prob (float): Probability of blurring. Defaults to 0.5.
        kernel_size (int | Sequence[int]): Odd kernel size or ``(min, max)``
            range of odd sizes. Defaults to (3, 7).
        sigma (float | Sequence[float]): Standard deviation or
            ``(min, max)`` range, in pixels. Defaults to (0.1, 2.0).
    """

    def __init__(
        self,
        prob: float = 0.5,
        kernel_size: Union[int, Sequence[int]] = (3, 7),
        sigma: Union[float, Sequence[float]] = (0.1, 2.0),
    ) -> None:
        self.prob = check_prob('prob', prob)
        self.kernel_size = check_odd_range('kernel_size', kernel_size)
        self.sigma = check_range('sigma', sigma, 0.0)

    @cache_randomness
    def _sample(self):
        lo, hi = self.kernel_size
        k = lo + 2 * np.random.randint(0, (hi - lo) // 2 + 1)
        return (
            np.random.rand() < self.prob,
            int(k),
            float(np.random.uniform(*self.sigma)),
        )

    def transform(self, results: dict) -> dict:
        """Blur ``results['img']`` with probability ``prob``."""
        apply, k, sigma = self._sample()
        if apply:
            img = results['img']
            out = cv2.GaussianBlur(img, (k, k), sigma)
            results['img'] = out.reshape(img.shape)
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(prob={self.prob}, '
            f'kernel_size={self.kernel_size}, sigma={self.sigma})'
        )
