from .bus_cls_head import BUSClsHead

__all__ = ['BUSClsHead']
