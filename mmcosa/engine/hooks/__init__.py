from .bus_visualization_hook import BUSVisualizationHook
from .prediction_dump_hook import PredictionDumpHook

__all__ = ['BUSVisualizationHook', 'PredictionDumpHook']
