"""Two-input position self-attention (DANet's PAM taking two inputs)."""

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

__all__ = ['TwoInputSelfAttention']

#: Floor of the region weight inside the log attention bias, so a region
#: absent from the whole map gives finite (uniform) attention, not NaN.
EPS = 1e-6


class TwoInputSelfAttention(nn.Module):
    """Position attention of DANet/SAGAN, extended to two inputs.

    For a regional map ``R`` (e.g. ``CX = X * C5``) and the context map
    ``C`` (``C5``), both of shape (N, C, H, W)::

        q = W_q C            (N, C/r, HW)   every position asks ...
        k = W_k R            (N, C/r, HW)   ... positions of the region
        A = softmax_j(q_i . k_j + log m_j)  (N, HW, HW)
        S = gamma * (R A^T) + R             (N, C, H, W)

    Query from the full map ``C`` so that each position, inside or outside
    the region, gathers context; key and value from ``R`` so that only the
    region's features are aggregated (no interference from the other
    regions). ``m`` is the region's weight at each position on the feature
    grid; ``log m`` makes the softmax ignore positions outside the region
    (exactly for m = 0, proportionally for the fractional weights of an
    area-resized map). Without ``m`` (``R = C``) this is DANet's PAM
    without its value projection, used by MTL-SA.

    Parameters: two 1x1 convs ``C -> C/r`` with bias and the scalar
    ``gamma`` (initialised to 0, so ``S = R`` at the start, as in DANet):
    1,049,089 for C = 2048, r = 8, matching RMTL's count per region.

    Args:
        in_channels (int): Channels C of both inputs.
        reduction (int): Query/key reduction r. Defaults to 8.
        with_value (bool): Add DANet's 1x1 value conv C -> C. Defaults
            to False (not in RMTL's parameter count).
    """

    def __init__(
        self, in_channels: int, reduction: int = 8, with_value: bool = False
    ) -> None:
        super().__init__()
        if in_channels < 1 or reduction < 1 or in_channels % reduction:
            raise ValueError(
                f'TwoInputSelfAttention: in_channels={in_channels!r} must '
                f'be a positive multiple of reduction={reduction!r}.'
            )
        inner = in_channels // reduction
        self.query_conv = nn.Conv2d(in_channels, inner, 1)
        self.key_conv = nn.Conv2d(in_channels, inner, 1)
        self.value_conv = (
            nn.Conv2d(in_channels, in_channels, 1) if with_value else None
        )
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(
        self,
        region: Tensor,
        context: Tensor,
        region_map: Optional[Tensor] = None,
    ) -> Tensor:
        """Attend from every position of ``context`` to ``region``.

        Args:
            region (Tensor): Regional features R, shape (N, C, H, W).
            context (Tensor): Full features C, shape (N, C, H, W).
            region_map (Tensor, optional): Region weights in [0, 1] on the
                same grid, shape (N, 1, H, W); ``None`` attends everywhere.

        Returns:
            Tensor: Attentive features S, shape (N, C, H, W).
        """
        n, c, h, w = region.shape
        query = self.query_conv(context).flatten(2).transpose(1, 2)
        key = self.key_conv(region).flatten(2).transpose(1, 2)
        value = region if self.value_conv is None else self.value_conv(region)
        value = value.flatten(2).transpose(1, 2)
        bias = None
        if region_map is not None:
            bias = region_map.reshape(n, 1, h * w).clamp_min(EPS).log()
            bias = bias.to(query.dtype)  # SDPA wants one dtype under AMP
        # (N, HW, C/r) x (N, HW, C/r) -> (N, HW, C); DANet has no scaling.
        out = F.scaled_dot_product_attention(
            query, key, value, attn_mask=bias, scale=1.0
        )
        out = out.transpose(1, 2).reshape(n, c, h, w)
        return self.gamma * out + region
