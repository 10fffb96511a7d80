from .checkpoint_loader import CheckpointError, trust_checkpoints
from .compat import apply_compat, mmcv_full_available
from .launch import (
    check_amp_available,
    init_cpu_process_group,
    replace_sync_bn,
    setup_launcher,
)
from .preflight import ConfigError
from .weights import CheckpointMismatchError, load_runner_weights, load_weights

__all__ = [
    'apply_compat',
    'mmcv_full_available',
    'check_amp_available',
    'init_cpu_process_group',
    'replace_sync_bn',
    'setup_launcher',
    'CheckpointError',
    'CheckpointMismatchError',
    'ConfigError',
    'load_runner_weights',
    'load_weights',
    'trust_checkpoints',
]
