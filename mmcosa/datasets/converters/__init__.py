"""Converters from the public BUS data sets, as downloaded, to the
prepared layout read by :class:`~mmcosa.datasets.BUSDataset`, and the
verify step that checks a prepared folder."""

from ..duplicates import dhash, find_duplicate_groups, hamming_matrix
from .busi import collect_busi, convert_busi, find_busi_root
from .errors import ConversionError
from .folds import stratified_group_folds
from .image_io import read_binary_mask, read_image
from .prepare import write_prepared
from .records import CollectResult, RawSample
from .staging import check_output_dir, staging_dir
from .summary import ConversionSummary
from .udiat import (
    collect_udiat,
    convert_udiat,
    normalise_id,
    read_udiat_labels,
)
from .verify import verify_prepared

__all__ = [
    'collect_busi',
    'convert_busi',
    'find_busi_root',
    'dhash',
    'find_duplicate_groups',
    'hamming_matrix',
    'ConversionError',
    'stratified_group_folds',
    'read_binary_mask',
    'read_image',
    'write_prepared',
    'CollectResult',
    'RawSample',
    'check_output_dir',
    'staging_dir',
    'ConversionSummary',
    'collect_udiat',
    'convert_udiat',
    'normalise_id',
    'read_udiat_labels',
    'verify_prepared',
]
