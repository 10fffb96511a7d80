"""Launch helpers shared by ``tools/train.py`` and ``tools/test.py``.

mmengine assumes a GPU whenever a job is distributed: it calls
``torch.cuda.set_device``, wraps the model with ``device_ids=[LOCAL_RANK]``
and keeps SyncBN layers. :func:`setup_launcher` makes the same command work
on a CPU-only machine with the gloo backend and leaves GPU jobs (nccl) as
mmengine runs them.

Call graph::

    tools/train.py / tools/test.py
      └─ setup_launcher(cfg)
           ├─ launcher == 'none'            -> nothing to do
           ├─ CUDA available                -> mmengine's own init_dist (nccl)
           └─ CPU only                      -> init_cpu_process_group()
                                               + cfg: gloo, device_ids=None,
                                                 SyncBN -> BN
"""

import os
from typing import Any, Dict, Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log

from .preflight import ConfigError

__all__ = [
    'init_cpu_process_group',
    'replace_sync_bn',
    'setup_launcher',
    'check_amp_available',
]

_LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def replace_sync_bn(cfg: Any) -> int:
    """Rewrite every ``SyncBN`` norm config into ``BN`` in place.

    Args:
        cfg (dict | list | Any): A (nested) config structure.

    Returns:
        int: The number of configs rewritten.
    """
    count = 0
    if isinstance(cfg, dict):
        if cfg.get('type') in ('SyncBN', 'MMSyncBN'):
            cfg['type'] = 'BN'
            count += 1
        for value in cfg.values():
            count += replace_sync_bn(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            count += replace_sync_bn(value)
    return count


def _slurm_env_to_torch_env(port: Optional[str]) -> None:
    """Fill the env:// variables from SLURM's, as mmengine does for GPUs."""
    import subprocess

    node_list = os.environ['SLURM_NODELIST']
    addr = subprocess.getoutput(
        f'scontrol show hostname {node_list} | head -n1'
    )
    os.environ.setdefault('MASTER_ADDR', addr)
    os.environ.setdefault('MASTER_PORT', port or '29500')
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def init_cpu_process_group(launcher: str) -> None:
    """Initialise a gloo process group from the launcher's environment.

    Args:
        launcher (str): ``'pytorch'`` (torchrun / ``dist_train.sh``) or
            ``'slurm'``.

    Raises:
        ConfigError: For a launcher that cannot run on the CPU here, or
            when the launcher's environment variables are missing.
    """
    if launcher == 'slurm':
        _slurm_env_to_torch_env(os.environ.get('PORT'))
    elif launcher != 'pytorch':
        raise ConfigError(
            f'launcher={launcher!r} is not supported on a CPU-only machine; '
            "use 'pytorch' (tools/dist_train.sh) or 'slurm'."
        )
    missing = [
        k
        for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
        if k not in os.environ
    ]
    if missing:
        raise ConfigError(
            f'--launcher {launcher} needs the environment variables '
            f'{missing}; start the job with tools/dist_train.sh (torchrun) '
            'or tools/slurm_train.sh.'
        )
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')


def setup_launcher(cfg: Config) -> None:
    """Prepare ``cfg`` (in place) and the process group for its launcher.

    Args:
        cfg (Config): The config, with ``cfg.launcher`` set.

    Raises:
        ConfigError: For an unknown launcher or a missing environment.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher not in _LAUNCHERS:
        raise ConfigError(
            f'launcher must be one of {_LAUNCHERS}, got {launcher!r}'
        )
    if launcher == 'none' or torch.cuda.is_available():
        return
    init_cpu_process_group(launcher)
    env_cfg: Dict = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False
    )
    wrapper['device_ids'] = None
    wrapper.setdefault(
        'find_unused_parameters', cfg.get('find_unused_parameters', False)
    )
    cfg.model_wrapper_cfg = wrapper
    n_sync = replace_sync_bn(cfg.model)
    print_log(
        f'CPU distributed run (gloo, rank {torch_dist.get_rank()} of '
        f'{torch_dist.get_world_size()}); {n_sync} SyncBN config(s) '
        'replaced by BN.',
        logger='current',
    )


def check_amp_available() -> None:
    """Raise a clear error when ``--amp`` is asked for without a GPU.

    Raises:
        ConfigError: If no CUDA GPU is available.
    """
    if not torch.cuda.is_available():
        raise ConfigError(
            '--amp (automatic mixed precision) needs a CUDA GPU and none '
            'is available here; drop --amp to train in fp32 on the CPU.'
        )
