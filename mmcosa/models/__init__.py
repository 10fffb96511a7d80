"""Models of mmcosa, registered into mmseg's ``MODELS`` registry."""

from .backbones import PretrainedWeightsError, ResNetWithStem
from .classifiers import BUSImageClassifier, GreyClsDataPreprocessor
from .decode_heads import UResNetHead
from .heads import BUSClsHead
from .necks import COSANeck, GAPNeck, SANeck, TwoInputSelfAttention
from .segmentors import MultiTaskEncoderDecoder, MultiTaskTTAModel

__all__ = [
    'BUSClsHead',
    'BUSImageClassifier',
    'GreyClsDataPreprocessor',
    'COSANeck',
    'GAPNeck',
    'MultiTaskEncoderDecoder',
    'MultiTaskTTAModel',
    'PretrainedWeightsError',
    'ResNetWithStem',
    'SANeck',
    'TwoInputSelfAttention',
    'UResNetHead',
]
