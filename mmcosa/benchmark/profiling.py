"""Which aten ops a step spends its time in (torch.profiler)."""

from collections import defaultdict
from typing import Callable, Dict, List

import torch
from torch.profiler import ProfilerActivity, profile

__all__ = ['op_times', 'op_time_diff']


def op_times(fn: Callable[[], object], device: torch.device) -> Dict:
    """Self time (ms) and calls of every aten op run by ``fn()``.

    Args:
        fn (Callable): The work, e.g. one training step.
        device (torch.device): On CUDA the device time is used.

    Returns:
        dict: op name -> ``dict(ms=..., calls=...)``.
    """
    activities = [ProfilerActivity.CPU]
    if device.type == 'cuda':
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as prof:
        fn()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
    out: Dict[str, Dict[str, float]] = defaultdict(
        lambda: dict(ms=0.0, calls=0)
    )
    for avg in prof.key_averages():
        if device.type == 'cuda':
            us = getattr(avg, 'self_device_time_total', 0.0)
        else:
            us = avg.self_cpu_time_total
        out[avg.key]['ms'] += us / 1e3
        out[avg.key]['calls'] += avg.count
    return dict(out)


def op_time_diff(
    base: Dict, other: Dict, top: int = 10
) -> List[Dict[str, float]]:
    """The ops where ``other`` spends most more time than ``base``.

    Args:
        base (dict): :func:`op_times` of the reference (e.g. MTL).
        other (dict): :func:`op_times` of the compared model.
        top (int): How many ops to return.

    Returns:
        list[dict]: ``op``, ``base_ms``, ``other_ms``, ``extra_ms``,
        ``extra_calls``, largest ``extra_ms`` first.
    """
    rows = []
    for op in set(base) | set(other):
        b = base.get(op, dict(ms=0.0, calls=0))
        o = other.get(op, dict(ms=0.0, calls=0))
        rows.append(
            dict(
                op=op,
                base_ms=b['ms'],
                other_ms=o['ms'],
                extra_ms=o['ms'] - b['ms'],
                extra_calls=o['calls'] - b['calls'],
            )
        )
    rows.sort(key=lambda r: -r['extra_ms'])
    return rows[:top]
