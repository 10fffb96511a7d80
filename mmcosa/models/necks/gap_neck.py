"""Global-average-pooling neck of MTL (paper Sec. 3, "Results")."""

from typing import Optional

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

__all__ = ['GAPNeck']


@MODELS.register_module()
class GAPNeck(BaseModule):
    """MTL's classification branch input: GAP(C5), no parameters.

    Takes the segmentation logits like every classification neck of
    :class:`MultiTaskEncoderDecoder` and ignores them.
    """

    def forward(
        self, feat: Tensor, seg_logits: Optional[Tensor] = None
    ) -> Tensor:
        """Average C5 over space.

        Args:
            feat (Tensor): C5, shape (N, C, h, w).
            seg_logits (Tensor, optional): Unused.

        Returns:
            Tensor: Shape (N, C).
        """
        return feat.mean(dim=(2, 3))
