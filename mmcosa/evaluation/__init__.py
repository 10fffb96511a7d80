from .metrics import BUSClsMetric, BUSSegMetric
from .published_results import (
    DATASET_ALIASES,
    PUBLISHED_CLS,
    PUBLISHED_SEG,
    RMTL_RERUN,
    canonical_dataset,
)

__all__ = [
    'BUSClsMetric',
    'BUSSegMetric',
    'DATASET_ALIASES',
    'PUBLISHED_CLS',
    'PUBLISHED_SEG',
    'RMTL_RERUN',
    'canonical_dataset',
]
