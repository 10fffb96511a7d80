from .uresnet_head import UResNetHead

__all__ = ['UResNetHead']
