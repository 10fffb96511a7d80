"""Wall-clock timing of one call, synchronised with the device."""

import os
import statistics
import time
from typing import Callable, Sequence

import torch

__all__ = ['load_average', 'median', 'synchronize', 'time_call']


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on the CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_call(fn: Callable[[], object], device: torch.device) -> float:
    """Seconds taken by ``fn()``, queued device work included.

    Args:
        fn (Callable): The work to time, called once without arguments.
        device (torch.device): Device whose queue is drained before and
            after the call.

    Returns:
        float: Elapsed wall-clock seconds.
    """
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence.

    Raises:
        ValueError: ``values`` is empty.
    """
    if not values:
        raise ValueError('median: no values (repeats must be >= 1).')
    return float(statistics.median(values))


def load_average() -> float:
    """The 1-minute load average (-1 where the system has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0
