"""Drawing: what the hooks and the tools draw with (prediction overlays,
COSA region maps, cross-validation ROC curves).

Imports no other mmcosa subpackage, so hooks, apis and tools can all use
it.
"""

from .overlay import (
    CLASS_COLOURS,
    GT_COLOUR,
    MARGIN_COLOUR,
    PRED_COLOUR,
    draw_overlay,
    margin_ring,
)
from .regions import REGION_LABELS, region_labels, region_margin
from .roc import plot_roc

__all__ = [
    'CLASS_COLOURS',
    'GT_COLOUR',
    'MARGIN_COLOUR',
    'PRED_COLOUR',
    'REGION_LABELS',
    'draw_overlay',
    'margin_ring',
    'plot_roc',
    'region_labels',
    'region_margin',
]
