"""Parameters and FLOPs per image (mmengine's complexity analysis)."""

from typing import Any, Dict, List, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import get_shape

__all__ = ['model_complexity', 'sdpa_flop_jit']


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """Multiply-adds of ``aten::scaled_dot_product_attention``.

    ``q (.., L, E) @ k (.., S, E)^T`` then ``(.., L, S) @ v (.., S, Ev)``:
    ``prod(..) * L * S * (E + Ev)``. Not handled by mmengine (the COSA and
    SA attention use it), so it is registered here.
    """
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = 1
    for dim in q[:-2]:
        batch *= dim
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def model_complexity(
    model: nn.Module, size: Tuple[int, int]
) -> Dict[str, float]:
    """Parameters and forward FLOPs of one image through the model.

    The model's ``forward(inputs, mode='tensor')`` is traced in eval mode
    on a (1, 3, h, w) input. mmengine counts one multiply-add as one FLOP
    (fvcore's convention); the figure is reported as ``gmacs`` and twice
    that as ``gflops``.

    Args:
        model (nn.Module): An mmseg segmentor or mmpretrain classifier.
        size (tuple[int, int]): Input (h, w).

    Returns:
        dict: ``params`` (int), ``gmacs`` and ``gflops`` (forward, one
        image), ``unsupported_ops`` (op name -> count, not counted).
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        inputs = torch.randn(1, 3, *size, device=device)
        analyzer = FlopAnalyzer(model, (inputs,))
        analyzer.set_op_handle(
            'aten::scaled_dot_product_attention', sdpa_flop_jit
        )
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        macs = analyzer.total()
        unsupported = dict(analyzer.unsupported_ops())
    finally:
        model.train(was_training)
    return dict(
        params=int(parameter_count(model)['']),
        gmacs=macs / 1e9,
        gflops=2 * macs / 1e9,
        unsupported_ops=unsupported,
    )
