from .compat import apply_compat, mmcv_full_available
from .launch import (
    check_amp_available,
    init_cpu_process_group,
    replace_sync_bn,
    setup_launcher,
)

__all__ = [
    'apply_compat',
    'mmcv_full_available',
    'check_amp_available',
    'init_cpu_process_group',
    'replace_sync_bn',
    'setup_launcher',
]
