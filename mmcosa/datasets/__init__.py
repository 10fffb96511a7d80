# Importing the subpackages registers their components.
from . import phantom, transforms  # noqa: F401
from .bus_dataset import BUSDataset
from .converters import (
    ConversionError,
    ConversionSummary,
    convert_busi,
    convert_udiat,
    verify_prepared,
)
from .phantom import BUSPhantomDataset

__all__ = [
    'BUSDataset',
    'BUSPhantomDataset',
    'ConversionError',
    'ConversionSummary',
    'convert_busi',
    'convert_udiat',
    'verify_prepared',
]
