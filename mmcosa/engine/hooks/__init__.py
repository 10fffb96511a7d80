from .prediction_dump_hook import PredictionDumpHook

__all__ = ['PredictionDumpHook']
