"""Cross-validation results: fold summaries in the paper's layout
(:mod:`.summary`) and the tables that set them beside the published rows
(:mod:`.table`). Running the folds is :func:`mmcosa.apis.run_crossval`'s
job; these modules only read what it wrote."""

from .summary import (
    DEFAULT_SET,
    mean_roc,
    summarise_folds,
    summarise_run,
    write_summary_md,
)
from .table import build_comparison, load_summary, method_label

__all__ = [
    'DEFAULT_SET',
    'build_comparison',
    'load_summary',
    'mean_roc',
    'method_label',
    'summarise_folds',
    'summarise_run',
    'write_summary_md',
]
