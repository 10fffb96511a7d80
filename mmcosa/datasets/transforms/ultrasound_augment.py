"""Ultrasound-specific augmentation: a wrapper around ``usaugment``.

``usaugment`` is optional (``requirements/optional.txt``): it is imported
when an :class:`UltrasoundAugment` is built, so ``import mmcosa`` works
without it.
"""

import importlib
from typing import Dict, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ._checks import check_prob

__all__ = ['UltrasoundAugment']

AUGMENTATIONS = (
    'DepthAttenuation',
    'GaussianShadow',
    'HazeArtifact',
    'SpeckleReduction',
)
SCAN_MASKS = ('full', 'nonzero')
INSTALL_HINT = 'pip install "usaugment>=1.0.1"'


def _usaugment_class(name: str) -> type:
    """The ``usaugment.albumentations`` class called ``name``.

    Args:
        name (str): One of :data:`AUGMENTATIONS`.

    Returns:
        type: The albumentations transform class.

    Raises:
        ImportError: ``usaugment`` (or its albumentations dependency) is
            not installed; the message says how to install it.
    """
    try:
        module = importlib.import_module('usaugment.albumentations')
    except ImportError as err:
        raise ImportError(
            f'UltrasoundAugment needs the optional package usaugment, '
            f'which could not be imported ({err}); install it with '
            f'`{INSTALL_HINT}` (or `pip install -r '
            'requirements/optional.txt`), or drop UltrasoundAugment from '
            'the pipeline'
        ) from err
    return getattr(module, name)


@TRANSFORMS.register_module()
class UltrasoundAugment(BaseTransform):
    """Depth attenuation, acoustic shadow, haze and speckle smoothing.

    Wraps the ``usaugment`` transforms (Ostvik et al. 2021; Smistad et al.
    2018) and handles their sharp edges: each one needs a ``scan_mask`` and
    a float image in [0, 1] (a uint8 image is silently wiped). The image is
    converted to float, the augmentations run in the order given, each with
    its own probability, and the result goes back to the input dtype
    (uint8, or float in [0, 255] as mmcv's loaders produce). Segmentation
    maps are untouched. A 3-channel image with equal channels (grey stored
    as RGB) is processed once and replicated.

    Randomness comes from ``np.random`` and Python's ``random`` (both
    seeded by mmengine per run and per data loader worker).

    Required keys: ``img``. Modified keys: ``img``.

    Needs the optional package ``usaugment`` (``pip install
    "usaugment>=1.0.1"``): building the transform without it raises an
    ``ImportError`` that says so; ``import mmcosa`` does not need it.

    Args:
        augmentations (Sequence[str | dict]): Names from
            ``DepthAttenuation``, ``GaussianShadow``, ``HazeArtifact``,
            ``SpeckleReduction``, or dicts ``dict(type=name, **kwargs)``
            with that transform's arguments (without ``p``). Defaults to all
            four with their defaults.
        prob (float | Sequence[float]): Probability of each augmentation
            (one value for all, or one per augmentation). Defaults to 0.5.
        scan_mask (str): Where the scan is: 'full' (the whole image) or
            'nonzero' (pixels brighter than 0 in any channel, e.g. a sector
            scan on black). Defaults to 'full'.
    """

    def __init__(
        self,
        augmentations: Sequence[Union[str, Dict]] = AUGMENTATIONS,
        prob: Union[float, Sequence[float]] = 0.5,
        scan_mask: str = 'full',
    ) -> None:
        if isinstance(augmentations, (str, dict)) or not augmentations:
            raise TypeError(
                'augmentations must be a non-empty list of names '
                f'or dicts, got {augmentations!r}'
            )
        self.names, kwargs = [], []
        for aug in augmentations:
            cfg = dict(type=aug) if isinstance(aug, str) else dict(aug)
            name = cfg.pop('type', None)
            if name not in AUGMENTATIONS:
                raise ValueError(
                    f'unknown ultrasound augmentation {name!r}; choose from '
                    f'{sorted(AUGMENTATIONS)}'
                )
            if 'p' in cfg:
                raise ValueError(
                    f'{name}: set probabilities with prob=, not '
                    'p= inside the augmentation dict'
                )
            self.names.append(name)
            kwargs.append(cfg)
        if isinstance(prob, (list, tuple)):
            if len(prob) != len(self.names):
                raise ValueError(
                    f'prob has {len(prob)} values for {len(self.names)} '
                    f'augmentations {self.names}; give one value or one per '
                    'augmentation'
                )
            self.prob = [check_prob('prob', p) for p in prob]
        else:
            self.prob = [check_prob('prob', prob)] * len(self.names)
        if scan_mask not in SCAN_MASKS:
            raise ValueError(
                f'scan_mask must be one of {SCAN_MASKS}, got {scan_mask!r}'
            )
        self.scan_mask = scan_mask
        # Arguments first, so a config error is reported as such even
        # where usaugment is missing.
        self.transforms = [
            _usaugment_class(name)(p=1.0, **cfg)
            for name, cfg in zip(self.names, kwargs)
        ]

    def _scan_mask(self, img: np.ndarray) -> np.ndarray:
        if self.scan_mask == 'full':
            return np.ones(img.shape[:2], np.uint8)
        grey = img if img.ndim == 2 else img.max(axis=2)
        return (grey > 0).astype(np.uint8)

    def transform(self, results: dict) -> dict:
        """Augment ``results['img']``.

        Args:
            results (dict): With ``img`` ``(H, W)`` or ``(H, W, C)``, uint8
                or float in [0, 255].

        Returns:
            dict: ``results`` with the augmented ``img`` (same shape and
            dtype).
        """
        img = results['img']
        chosen = [
            t
            for t, p in zip(self.transforms, self.prob)
            if np.random.rand() < p
        ]
        if not chosen:
            return results
        equal = (
            img.ndim == 3
            and img.shape[2] > 1
            and all(
                np.array_equal(img[..., 0], img[..., c])
                for c in range(1, img.shape[2])
            )
        )
        work = img[..., 0] if equal else img
        scan = self._scan_mask(work)
        x = np.clip(work.astype(np.float32) / 255.0, 0.0, 1.0)
        for t in chosen:
            x = t(image=x, scan_mask=scan)['image'].astype(np.float32)
        x = np.clip(x, 0.0, 1.0) * 255.0
        if img.dtype == np.uint8:
            x = (x + 0.5).astype(np.uint8)
        else:
            x = x.astype(img.dtype)
        if equal:
            x = np.repeat(x[..., None], img.shape[2], axis=2)
        results['img'] = x.reshape(img.shape)
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(augmentations={self.names}, '
            f'prob={self.prob}, scan_mask={self.scan_mask!r})'
        )
