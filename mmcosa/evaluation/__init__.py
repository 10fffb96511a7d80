from .metrics import BUSClsMetric, BUSSegMetric

__all__ = ['BUSClsMetric', 'BUSSegMetric']
