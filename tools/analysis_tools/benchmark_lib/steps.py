"""One training step and one inference step, as mmengine runs them."""

import contextlib
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper

__all__ = ['AMP_DTYPES', 'infer_step', 'make_optim_wrapper', 'train_step']

AMP_DTYPES = {'bfloat16': torch.bfloat16, 'float16': torch.float16}


def make_optim_wrapper(
    model: nn.Module,
    schedule_cfg: str,
    amp: bool = False,
    amp_dtype: str = 'bfloat16',
    fused: bool = False,
) -> OptimWrapper:
    """The optimizer wrapper of the paper's schedule config.

    Args:
        model (nn.Module): The model to optimise.
        schedule_cfg (str): Path of a config with ``optim_wrapper``
            (``configs/_base_/schedules/adam_100e.py``: Adam, lr 1e-4,
            betas (0.9, 0.99), weight decay 5e-4).
        amp (bool): Use mmengine's ``AmpOptimWrapper`` (CUDA only).
        amp_dtype (str): ``'bfloat16'`` or ``'float16'`` (loss scaling).
        fused (bool): Ask torch for its fused optimizer kernel
            (``fused=True``; Adam on the CPU: ~6x faster step).

    Returns:
        OptimWrapper: ``OptimWrapper`` or ``AmpOptimWrapper``.
    """
    if amp_dtype not in AMP_DTYPES:
        raise ValueError(
            f'amp_dtype={amp_dtype!r} is not one of {list(AMP_DTYPES)}.'
        )
    cfg = Config.fromfile(schedule_cfg).optim_wrapper.to_dict()
    if fused:
        cfg['optimizer']['fused'] = True
    if amp:
        cfg.update(type='AmpOptimWrapper', dtype=amp_dtype)
        if amp_dtype == 'bfloat16':
            cfg['loss_scale'] = 1.0  # bf16 needs no loss scaling
    return build_optim_wrapper(model, cfg)


def train_step(
    model: nn.Module, optim_wrapper: OptimWrapper, data: Dict[str, List]
) -> Dict[str, torch.Tensor]:
    """mmengine's ``model.train_step``: preprocess, forward with the
    losses, backward, optimizer step, zero grad (as ``IterBasedTrainLoop``
    runs it)."""
    model.train()
    return model.train_step(data, optim_wrapper)


def infer_step(
    model: nn.Module,
    data: Dict[str, List],
    amp_dtype: Optional[torch.dtype] = None,
) -> list:
    """mmengine's ``model.test_step`` (preprocess, predict, post-process
    to the original size) without gradients, optionally under autocast.
    """
    model.eval()
    device = next(model.parameters()).device
    ctx = (
        torch.autocast(device.type, dtype=amp_dtype)
        if amp_dtype is not None
        else contextlib.nullcontext()
    )
    with torch.no_grad(), ctx:
        return model.test_step(data)
