"""Glue that runs mmpretrain's classifiers (the single-task baselines of
the paper's Table 2) on mmcosa's BUS data; registered into mmpretrain's
``MODELS`` so configs build them with ``_scope_='mmpretrain'``."""

from .bus_image_classifier import BUSImageClassifier
from .grey_cls_data_preprocessor import GreyClsDataPreprocessor

__all__ = ['BUSImageClassifier', 'GreyClsDataPreprocessor']
