"""Analyses of trained models: the shortcut audit and its pieces."""

from .lesion_window import (
    FILLS,
    WINDOW_SHAPES,
    hide_lesion,
    keep_lesion,
    lesion_window,
)
from .metadata_baseline import (
    fit_logistic,
    metadata_features,
    metadata_scores,
    stratified_folds,
)
from .overlay_marks import detect_marks, inpaint_marks
from .shortcut_audit import (
    VARIANTS,
    format_audit_table,
    run_shortcut_audit,
    write_audit_report,
)

__all__ = [
    'FILLS',
    'VARIANTS',
    'WINDOW_SHAPES',
    'detect_marks',
    'fit_logistic',
    'format_audit_table',
    'hide_lesion',
    'inpaint_marks',
    'keep_lesion',
    'lesion_window',
    'metadata_features',
    'metadata_scores',
    'run_shortcut_audit',
    'stratified_folds',
    'write_audit_report',
]
