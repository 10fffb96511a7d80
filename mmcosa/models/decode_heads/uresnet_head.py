"""U-shaped decoder of U-ResNet (paper Sec. 2.1, RMTL Fig. 3)."""

from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

__all__ = ['UResNetHead']

UPSAMPLE_MODES = ('bilinear', 'deconv')


@MODELS.register_module()
class UResNetHead(BaseDecodeHead):
    """Decoder of U-ResNet: four up-sampling stages U4..U1 with skips.

    With backbone features C1..C5 (``in_index=(0, 1, 2, 3, 4)``)::

        U4 = 2 x conv3x3(cat(up(C5), C4))   -> channels of C4 (1024)
        U3 = 2 x conv3x3(cat(up(U4), C3))   -> channels of C3 (512)
        U2 = 2 x conv3x3(cat(up(U3), C2))   -> channels of C2 (256)
        U1 = conv1x1(conv3x3(cat(up(U2), C1)))  -> ``channels`` (64)
        out = up_bilinear_x2(conv3x3(U1) -> num_classes)

    every conv but the last followed by BN + ReLU. ``up`` brings a map to
    the size of its skip: bilinear interpolation, or a 2x2 stride-2
    transposed conv (same channels) whose output is cropped to the skip
    when the skip is odd-sized. The output has twice the C1 size, i.e.
    the input size for even sizes; mmseg resizes it to the label / image
    size in ``loss_by_feat`` / ``predict_by_feat`` for odd ones.

    Args:
        upsample (str): ``'bilinear'`` (default, no parameters) or
            ``'deconv'`` (adds a ConvTranspose2d per stage).
        **kwargs: :class:`BaseDecodeHead` arguments; ``in_channels`` are
            the five backbone channels, ``channels`` the U1 width,
            ``input_transform`` must be ``'multiple_select'``.
            ``dropout_ratio`` defaults to 0 here (none in the paper).
    """

    def __init__(self, upsample: str = 'bilinear', **kwargs) -> None:
        kwargs.setdefault('input_transform', 'multiple_select')
        kwargs.setdefault('in_index', (0, 1, 2, 3, 4))
        kwargs.setdefault('dropout_ratio', 0.0)
        if kwargs['input_transform'] != 'multiple_select':
            raise ValueError(
                'UResNetHead: input_transform='
                f'{kwargs["input_transform"]!r}; it must be '
                "'multiple_select' (the decoder needs every scale)."
            )
        in_channels = kwargs.get('in_channels')
        if not isinstance(in_channels, (list, tuple)) or len(in_channels) != 5:
            raise ValueError(
                f'UResNetHead: in_channels={in_channels!r} must list the '
                'five backbone channels C1..C5, e.g. '
                '[64, 256, 512, 1024, 2048] for ResNet-101.'
            )
        if upsample not in UPSAMPLE_MODES:
            raise ValueError(
                f'UResNetHead: upsample={upsample!r} is not '
                f'one of {UPSAMPLE_MODES}.'
            )
        kwargs['in_index'] = list(kwargs['in_index'])
        kwargs['in_channels'] = list(in_channels)
        super().__init__(**kwargs)
        self.upsample = upsample
        c1, c2, c3, c4, c5 = self.in_channels
        conv = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )
        self.ups = nn.ModuleList()
        self.stages = nn.ModuleList()
        # (channels coming up, skip channels, stage width, kernel sizes)
        plan: List[Tuple[int, int, int, Sequence[int]]] = [
            (c5, c4, c4, (3, 3)),
            (c4, c3, c3, (3, 3)),
            (c3, c2, c2, (3, 3)),
            (c2, c1, self.channels, (3, 1)),
        ]
        for up_ch, skip_ch, width, kernels in plan:
            self.ups.append(
                nn.ConvTranspose2d(up_ch, up_ch, 2, stride=2)
                if upsample == 'deconv'
                else nn.Identity()
            )
            layers, ch = [], up_ch + skip_ch
            for k in kernels:
                layers.append(ConvModule(ch, width, k, padding=k // 2, **conv))
                ch = width
            self.stages.append(nn.Sequential(*layers))
        # The paper's last layer is a 3x3 conv (mmseg's default is 1x1).
        self.conv_seg = nn.Conv2d(
            self.channels, self.out_channels, 3, padding=1
        )

    def _up(self, idx: int, x: Tensor, skip: Tensor) -> Tensor:
        """Bring ``x`` to the spatial size of ``skip``."""
        size = skip.shape[2:]
        if self.upsample == 'bilinear':
            return F.interpolate(
                x, size=size, mode='bilinear', align_corners=self.align_corners
            )
        x = self.ups[idx](x)
        return x[:, :, : size[0], : size[1]]

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Decode the five backbone features into segmentation logits.

        Args:
            inputs (Sequence[Tensor]): Backbone features C1..C5 (after
                ``in_index`` selection), C1 of shape (N, c1, h1, w1).

        Returns:
            Tensor: Logits of shape (N, num_classes, 2 * h1, 2 * w1).
        """
        feats = self._transform_inputs(inputs)
        x = feats[4]
        for idx, skip in enumerate(feats[3::-1]):
            x = torch.cat([self._up(idx, x, skip), skip], dim=1)
            x = self.stages[idx](x)
        x = self.cls_seg(x)
        return F.interpolate(
            x,
            scale_factor=2,
            mode='bilinear',
            align_corners=self.align_corners,
        )
