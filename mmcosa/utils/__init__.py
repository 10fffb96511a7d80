from .compat import apply_compat, mmcv_full_available

__all__ = ['apply_compat', 'mmcv_full_available']
