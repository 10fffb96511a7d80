"""Describe the machine a benchmark ran on."""

import os
import platform
from typing import Dict, Union

import torch

__all__ = ['machine_info']


def _cpu_model() -> str:
    """CPU model name from ``/proc/cpuinfo`` (``platform`` elsewhere)."""
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def machine_info(device: torch.device) -> Dict[str, Union[str, int, float]]:
    """What the figures were measured on.

    Args:
        device (torch.device): The benchmark device.

    Returns:
        dict: ``nproc``, ``cpu_model``, ``torch_threads``, ``torch``,
        ``python``, ``device``, ``gpu`` (name or ``''``), ``load_avg_1m``
        (1-minute load average at the time of the call, -1 when unknown).
    """
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = -1.0
    gpu = ''
    if device.type == 'cuda':
        gpu = torch.cuda.get_device_name(device)
    return dict(
        nproc=os.cpu_count() or 0,
        cpu_model=_cpu_model(),
        torch_threads=torch.get_num_threads(),
        torch=torch.__version__,
        python=platform.python_version(),
        device=str(device),
        gpu=gpu,
        load_avg_1m=round(load, 2),
    )
