"""Procedural breast-ultrasound phantom: on-the-fly data set and writers.

- :class:`BUSPhantomDataset`: mmseg data set generating cases on the fly.
- :func:`generate_sample`: the deterministic ``(seed, index)`` sample.
- :func:`make_phantom_raw`: write a folder in the downloaded BUSI or UDIAT
  layout, with the real files' quirks, to exercise the converters.
- :func:`phantom_montage`: the picture of docs/en/phantom.md.
"""

from .dataset import BUSPhantomDataset
from .figure import phantom_montage
from .generator import (
    generate_sample,
    label_of_index,
    render_case,
)
from .raw import LAYOUTS, make_phantom_raw
from .raw_busi import BUSI_DIR, write_busi_raw
from .raw_udiat import UDIAT_LEGEND, write_udiat_raw
from .safe_output import atomic_output_dir

__all__ = [
    'BUSI_DIR',
    'BUSPhantomDataset',
    'LAYOUTS',
    'UDIAT_LEGEND',
    'atomic_output_dir',
    'generate_sample',
    'label_of_index',
    'make_phantom_raw',
    'phantom_montage',
    'render_case',
    'write_busi_raw',
    'write_udiat_raw',
]
