"""Procedural breast-ultrasound phantom: on-the-fly data set and writers."""

from .dataset import BUSPhantomDataset
from .generator import (
    CLASS_NAMES,
    generate_sample,
    label_of_index,
    render_case,
)

__all__ = [
    'BUSPhantomDataset',
    'CLASS_NAMES',
    'generate_sample',
    'label_of_index',
    'render_case',
]
