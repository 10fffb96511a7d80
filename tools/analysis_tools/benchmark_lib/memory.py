"""Peak memory of a piece of work: CPU resident set or CUDA allocations.

No psutil: on Linux the peak resident set (``VmHWM``) of the process is
read from ``/proc/self/status`` and reset by writing ``5`` to
``/proc/self/clear_refs``; freed heap memory is handed back to the system
(``malloc_trim``) before the baseline is read, so that a figure is the
memory that the measured work itself added. Elsewhere the process-wide
``ru_maxrss`` is used, which cannot be reset (figures are then upper
bounds).
"""

import ctypes
import ctypes.util
import gc
import resource
import sys
from typing import Optional

import torch

__all__ = ['MemoryProbe']

_MIB = 2**20


def _status_kib(field: str) -> Optional[int]:
    """A ``kB`` field of ``/proc/self/status`` or None."""
    try:
        with open('/proc/self/status', encoding='ascii') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _trim_heap() -> None:
    """Collect garbage and return free heap pages to the system."""
    gc.collect()
    if sys.platform.startswith('linux'):
        name = ctypes.util.find_library('c')
        if name:
            try:
                ctypes.CDLL(name).malloc_trim(0)
            except (OSError, AttributeError):
                pass


def _reset_hwm() -> bool:
    """Reset the peak resident set of the process; False if impossible."""
    try:
        with open('/proc/self/clear_refs', 'w', encoding='ascii') as f:
            f.write('5')
        return True
    except OSError:
        return False


class MemoryProbe:
    """Measure the memory a piece of work adds on top of a baseline.

    Usage::

        probe = MemoryProbe(device)
        probe.start()          # baseline; peak counter reset
        ...                    # build a model, run steps
        mib = probe.peak_mib() # peak above the baseline, MiB

    On CUDA the figures are ``torch.cuda.max_memory_allocated`` above the
    allocated memory at ``start``; on the CPU the peak resident set above
    the resident set at ``start``.

    Args:
        device (torch.device): The device whose memory is measured.
    """

    def __init__(self, device: torch.device) -> None:
        if not isinstance(device, torch.device):
            raise TypeError(
                f'MemoryProbe: device={device!r} must be a torch.device.'
            )
        self.device = device
        self._base = 0
        self.exact = True

    @property
    def kind(self) -> str:
        """``'cuda_max_allocated'`` or ``'cpu_peak_rss'``."""
        if self.device.type == 'cuda':
            return 'cuda_max_allocated'
        return 'cpu_peak_rss'

    def _current(self) -> int:
        """Bytes in use now (CUDA allocated or resident set)."""
        if self.device.type == 'cuda':
            return torch.cuda.memory_allocated(self.device)
        kib = _status_kib('VmRSS')
        if kib is None:
            return 0
        return kib * 1024

    def _peak(self) -> int:
        """Peak bytes since the last reset."""
        if self.device.type == 'cuda':
            return torch.cuda.max_memory_allocated(self.device)
        kib = _status_kib('VmHWM')
        if kib is None:  # not Linux: kilobytes on Linux, bytes on macOS
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return rss if sys.platform == 'darwin' else rss * 1024
        return kib * 1024

    def start(self) -> None:
        """Take the baseline and reset the peak counter."""
        _trim_heap()
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            self.exact = _reset_hwm()
        self._base = self._current()

    def current_mib(self) -> float:
        """Memory in use now above the baseline, in MiB."""
        _trim_heap()
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
        return max(self._current() - self._base, 0) / _MIB

    def peak_mib(self) -> float:
        """Peak memory above the baseline since :meth:`start`, in MiB."""
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
        return max(self._peak() - self._base, 0) / _MIB
