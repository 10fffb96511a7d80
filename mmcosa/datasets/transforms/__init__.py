"""Transforms for breast-ultrasound pipelines (registered in mmseg)."""

from .pack_bus_inputs import PackBUSInputs
from .pad_to_size import PadToSize
from .random_gaussian_blur import RandomGaussianBlur
from .random_median_blur import RandomMedianBlur
from .ultrasound_augment import UltrasoundAugment

__all__ = [
    'PackBUSInputs',
    'PadToSize',
    'RandomGaussianBlur',
    'RandomMedianBlur',
    'UltrasoundAugment',
]
