from .resnet_with_stem import PretrainedWeightsError, ResNetWithStem

__all__ = ['PretrainedWeightsError', 'ResNetWithStem']
