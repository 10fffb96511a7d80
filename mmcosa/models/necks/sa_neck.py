"""Self-attention neck of MTL-SA (paper section 3)."""

from typing import Optional

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from .two_input_attention import TwoInputSelfAttention

__all__ = ['SANeck']


@MODELS.register_module()
class SANeck(BaseModule):
    """MTL-SA: position self-attention on C5, then GAP.

    The attention block is COSA's (:class:`TwoInputSelfAttention`) with
    both inputs C5 and no region map, i.e. DANet's position attention
    without value projection, so MTL-SA and MTL-COSA differ only in the
    regional split. Parameters: 1,049,089 for C = 2048 (1 block).

    Args:
        in_channels (int): Channels C of C5. Defaults to 2048.
        reduction (int): Query/key reduction. Defaults to 8.
        with_value (bool): Add DANet's value conv (C*C + C parameters).
            Defaults to False.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(
        self,
        in_channels: int = 2048,
        reduction: int = 8,
        with_value: bool = False,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.attention = TwoInputSelfAttention(
            in_channels, reduction, with_value
        )

    def forward(
        self, feat: Tensor, seg_logits: Optional[Tensor] = None
    ) -> Tensor:
        """Attend over C5 and average over space.

        Args:
            feat (Tensor): C5, shape (N, C, h, w).
            seg_logits (Tensor, optional): Unused.

        Returns:
            Tensor: Shape (N, C).
        """
        return self.attention(feat, feat).mean(dim=(2, 3))
