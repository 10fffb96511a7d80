"""Drawing: what the hooks and the tools draw with.

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

__all__ = [
    'CLASS_COLOURS',
    'GT_COLOUR',
    'MARGIN_COLOUR',
    'PRED_COLOUR',
    'REGION_LABELS',
    'draw_overlay',
    'margin_ring',
    'region_labels',
    'region_margin',
]
