"""Cost of the classification branch alone (neck + head, C5 given)."""

import math
from typing import Dict, Tuple

import torch
import torch.nn as nn

from .timing import median, time_call

__all__ = ['bench_cls_branch']


def bench_cls_branch(
    model: nn.Module,
    batch_size: int,
    size: Tuple[int, int],
    repeats: int = 20,
) -> Dict[str, float]:
    """Time ``cls_head(cls_neck(C5, seg_logits))`` forward + backward.

    The backbone and the decoder are left out: random C5 features (with
    gradient) and segmentation logits of the right shapes go into the
    model's classification neck and head, and the class logits' sum is
    back-propagated. The difference between two models' figures is what
    their branches add to a training step, measured without the noise of
    the whole step.

    Args:
        model (nn.Module): A ``MultiTaskEncoderDecoder`` with a branch.
        batch_size (int): N.
        size (tuple[int, int]): Input (H, W); C5 is (H/32, W/32).
        repeats (int): Timed calls; the median is reported.

    Returns:
        dict: ``train_ms`` (forward + backward) and ``infer_ms`` (forward
        without gradient), medians per batch; ``train_min_ms`` and
        ``infer_min_ms``, the fastest calls.
    """
    if not getattr(model, 'with_cls', False):
        raise TypeError(
            f'bench_cls_branch: {type(model).__name__} has no '
            'classification branch (cls_neck + cls_head).'
        )
    device = next(model.parameters()).device
    channels = model.cls_head.in_channels
    grid = tuple(math.ceil(s / 32) for s in size)
    gen = torch.Generator().manual_seed(0)
    feat = torch.randn(batch_size, channels, *grid, generator=gen)
    feat = feat.to(device).requires_grad_(True)
    logits = torch.randn(batch_size, 2, *size, generator=gen).to(device)
    neck, head = model.cls_neck, model.cls_head

    def train() -> None:
        head(neck(feat, logits)).sum().backward()

    def infer() -> None:
        with torch.no_grad():
            head(neck(feat, logits))

    was_training = model.training
    model.train()
    try:
        for _ in range(3):
            train()
        train_s = [time_call(train, device) for _ in range(repeats)]
        model.eval()
        for _ in range(3):
            infer()
        infer_s = [time_call(infer, device) for _ in range(repeats)]
    finally:
        model.train(was_training)
        model.zero_grad(set_to_none=True)
    return dict(
        train_ms=1e3 * median(train_s),
        infer_ms=1e3 * median(infer_s),
        train_min_ms=1e3 * min(train_s),
        infer_min_ms=1e3 * min(infer_s),
    )
