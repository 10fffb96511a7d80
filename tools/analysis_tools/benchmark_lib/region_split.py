"""Cost of the COSA region split, and checks that it is batched."""

import contextlib
from typing import Dict, Iterator

import torch
import torch.nn as nn
from torch.profiler import ProfilerActivity, profile

from .timing import median, time_call

__all__ = ['bench_region_split', 'count_ops']


def count_ops(fn, device: torch.device) -> int:
    """Number of top-level aten ops that ``fn()`` dispatches.

    Only ops called from Python count (not the kernels a convolution picks
    inside, which may depend on the batch size), so a batched function
    dispatches as many ops for one image as for many, while a loop over
    the images dispatches more. ``device`` is unused: the host side is
    what is counted.
    """
    del device
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return sum(
        1
        for event in prof.events()
        if event.cpu_parent is None and event.name.startswith('aten::')
    )


@contextlib.contextmanager
def _sync_errors(device: torch.device) -> Iterator[None]:
    """Make any host-device synchronisation raise (CUDA only)."""
    if device.type != 'cuda':
        yield
        return
    torch.cuda.set_sync_debug_mode('error')
    try:
        yield
    finally:
        torch.cuda.set_sync_debug_mode('default')


def bench_region_split(
    neck: nn.Module,
    batch_size: int,
    size: tuple,
    grid: tuple,
    repeats: int = 20,
    num_classes: int = 2,
) -> Dict:
    """Time ``split_regions`` + ``resize_regions`` of a ``COSANeck``.

    Random segmentation logits (N, K, H, W) on the neck's device are
    split into the background / tumour / margin maps and resized to the
    C5 grid, as in the neck's forward.

    Two structural checks come with the time: ``ops_batch_1`` and
    ``ops_batch_n`` count the aten ops dispatched for a batch of 1 and of
    ``batch_size`` (equal when there is no per-image Python loop), and on
    CUDA the split runs once with ``torch.cuda.set_sync_debug_mode
    ('error')`` so that a host round trip would raise (``host_sync_free``
    is None on the CPU, where there is no host round trip to make).

    Args:
        neck (nn.Module): A ``COSANeck`` (has ``split_regions`` and
            ``resize_regions``).
        batch_size (int): N.
        size (tuple[int, int]): Logit (H, W), the input size.
        grid (tuple[int, int]): The C5 grid (h, w).
        repeats (int): Timed calls; the median is reported.
        num_classes (int): K.

    Returns:
        dict: ``ms`` (median per batch), ``ms_per_image``, ``ops_batch_1``,
        ``ops_batch_n``, ``batched`` (bool), ``host_sync_free``.
    """
    for attr in ('split_regions', 'resize_regions'):
        if not hasattr(neck, attr):
            raise TypeError(
                f'bench_region_split: {type(neck).__name__} has no {attr}; '
                'pass the cls_neck of an MTL-COSA model.'
            )
    device = next(iter(neck.buffers())).device
    gen = torch.Generator().manual_seed(0)

    def logits(n: int) -> torch.Tensor:
        return torch.randn(n, num_classes, *size, generator=gen).to(device)

    def split(x: torch.Tensor) -> torch.Tensor:
        return neck.resize_regions(neck.split_regions(x), grid)

    one, many = logits(1), logits(batch_size)
    for _ in range(3):
        split(many)
    times = [time_call(lambda: split(many), device) for _ in range(repeats)]
    host_sync_free = None
    if device.type == 'cuda':
        try:
            with _sync_errors(device):
                split(many)
            host_sync_free = True
        except RuntimeError:
            host_sync_free = False
    ops_1 = count_ops(lambda: split(one), device)
    ops_n = count_ops(lambda: split(many), device)
    ms = 1e3 * median(times)
    return dict(
        ms=ms,
        ms_per_image=ms / batch_size,
        ops_batch_1=ops_1,
        ops_batch_n=ops_n,
        batched=ops_1 == ops_n,
        host_sync_free=host_sync_free,
    )
