"""Which aten ops a step spends its time in (torch.profiler)."""

from collections import defaultdict
from typing import Callable, Dict, List

import torch
from torch.profiler import ProfilerActivity, profile

__all__ = ['op_times', 'op_time_diff']


def _profile_once(fn: Callable[[], object], device: torch.device) -> Dict:
    """Self time (ms) and calls per op of one call of ``fn``."""
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


def op_times(
    fn: Callable[[], object], device: torch.device, runs: int = 1
) -> Dict:
    """Self time (ms) and calls of every aten op run by ``fn()``.

    With ``runs`` > 1 each op keeps its smallest time over the runs, which
    strips most of what other processes add on a shared machine.

    Args:
        fn (Callable): The work, e.g. one training step.
        device (torch.device): On CUDA the device time is used.
        runs (int): Profiled calls. Defaults to 1.

    Returns:
        dict: op name -> ``dict(ms=..., calls=...)``.
    """
    if runs < 1:
        raise ValueError(f'op_times: runs={runs!r} must be >= 1.')
    best = _profile_once(fn, device)
    for _ in range(runs - 1):
        for op, figures in _profile_once(fn, device).items():
            if op in best:
                best[op]['ms'] = min(best[op]['ms'], figures['ms'])
            else:
                best[op] = figures
    return best


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
