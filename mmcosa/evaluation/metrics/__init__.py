from .bus_cls_metric import BUSClsMetric
from .bus_seg_metric import BUSSegMetric

__all__ = ['BUSClsMetric', 'BUSSegMetric']
