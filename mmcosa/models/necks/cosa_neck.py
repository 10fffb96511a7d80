"""Context-Oriented Self-Attention neck of MTL-COSA (paper Sec. 2.2)."""

from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from .two_input_attention import TwoInputSelfAttention

__all__ = ['COSANeck']

FUSIONS = ('weighted_sum', 'conv')
RESIZE_MODES = ('area', 'nearest', 'bilinear')
#: Region order along the channel axis of the region maps.
REGIONS = ('background', 'tumour', 'margin')


@MODELS.register_module()
class COSANeck(BaseModule):
    """COSA: regional self-attention on C5 guided by the predicted mask.

    Call graph::

        forward(C5 (N, C, h, w), seg_logits (N, K, H, W), return_regions)
          ├─ split_regions(seg_logits)  no grad -> X, Y, Z (N, 3, H, W)
          │    mask = argmax == tumour; edge = Sobel(mask) != 0
          │    Z = dilate5x5(edge); Y = mask - Z; X = 1 - Y - Z
          ├─ resize_regions(.., (h, w))  -> x, y, z (N, 3, h, w)
          ├─ S_r = attention_r(r * C5, C5, r)  for r in x, y, z
          ├─ P_r = GAP(S_r)                     -> F (N, 3, C)
          └─ fuse(F)                            -> FW (N, C)
                                        (FW, X Y Z) with return_regions

    The split is batched on the input's device (comparisons and two
    convolutions, no Python loop over images, no host copy) and carries no
    gradient. The Sobel edge of a binary mask is the 2-px band straddling
    the contour; the 5x5 dilation widens it to a 6-px margin ring, half
    in the tumour, half in the background. The image border is padded by
    replication, so a tumour touching the border has no margin there. An
    empty mask gives X = 1 everywhere.

    The neck keeps nothing of a call: the region maps are returned when
    asked for (``return_regions=True``), which is how
    :class:`MultiTaskEncoderDecoder` puts them in each prediction as
    ``pred_regions``.

    Args:
        in_channels (int): Channels C of C5. Defaults to 2048.
        tumour_index (int): Class index of the tumour in the logits; with
            one output channel the mask is ``logit > 0``. Defaults to 1.
        dilation_size (int): Odd side of the square structuring element.
            Defaults to 5 (the paper).
        resize_mode (str): How X, Y, Z reach the C5 grid: ``'area'``
            (default: the fraction of each cell covered by the region, so
            the thin margin ring is never erased and the maps still sum
            to 1), ``'nearest'`` (binary, may drop the ring) or
            ``'bilinear'``.
        fusion (str): ``'weighted_sum'`` (default, the ISBI text: a 1x1
            conv over the 3 region vectors, 4 parameters, initialised to
            the mean) or ``'conv'`` (RMTL: 1x1 conv 3C -> C with bias + BN +
            ReLU, 12,589,056 parameters for C = 2048).
        reduction (int): Query/key reduction of the attention. Default 8.
        norm_cfg (dict): Norm of the ``'conv'`` fusion. Defaults to BN.
        init_cfg (dict, optional): mmengine init config.

    Attributes:
        returns_regions (bool): True: ``forward`` can return the region
            maps (the segmentor asks for them at prediction).
    """

    returns_regions = True

    def __init__(
        self,
        in_channels: int = 2048,
        tumour_index: int = 1,
        dilation_size: int = 5,
        resize_mode: str = 'area',
        fusion: str = 'weighted_sum',
        reduction: int = 8,
        norm_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if fusion not in FUSIONS:
            raise ValueError(
                f'COSANeck: fusion={fusion!r} is not one of {FUSIONS}.'
            )
        if resize_mode not in RESIZE_MODES:
            raise ValueError(
                f'COSANeck: resize_mode={resize_mode!r} is '
                f'not one of {RESIZE_MODES}.'
            )
        if dilation_size < 1 or dilation_size % 2 == 0:
            raise ValueError(
                f'COSANeck: dilation_size={dilation_size!r} '
                'must be a positive odd integer (paper: 5).'
            )
        if tumour_index < 0:
            raise ValueError(
                f'COSANeck: tumour_index={tumour_index!r} '
                'must be a class index >= 0.'
            )
        self.in_channels = in_channels
        self.tumour_index = tumour_index
        self.dilation_size = dilation_size
        self.resize_mode = resize_mode
        self.fusion = fusion
        self.attentions = nn.ModuleList(
            TwoInputSelfAttention(in_channels, reduction) for _ in REGIONS
        )
        if fusion == 'weighted_sum':
            self.fuse = nn.Conv2d(len(REGIONS), 1, 1)
            nn.init.constant_(self.fuse.weight, 1.0 / len(REGIONS))
            nn.init.zeros_(self.fuse.bias)
        else:
            self.fuse = ConvModule(
                len(REGIONS) * in_channels,
                in_channels,
                1,
                bias=True,
                norm_cfg=norm_cfg or dict(type='BN', requires_grad=True),
            )
        sobel = torch.tensor(
            [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
        )
        self.register_buffer(
            'sobel',
            torch.stack([sobel, sobel.t()]).unsqueeze(1),
            persistent=False,
        )
        self.register_buffer(
            'box',
            torch.ones(1, 1, dilation_size, dilation_size),
            persistent=False,
        )
        self._warned_batch_one = False

    @torch.no_grad()
    def split_regions(self, seg_logits: Tensor) -> Tensor:
        """Binary background / tumour / margin maps from the logits.

        Args:
            seg_logits (Tensor): Segmentation logits (N, K, H, W).

        Returns:
            Tensor: X, Y, Z stacked as (N, 3, H, W), values in {0, 1},
            summing to 1 at every pixel.
        """
        mask = self._tumour_mask(seg_logits).to(self.sobel.dtype)
        grad = F.conv2d(
            F.pad(mask, (1, 1, 1, 1), mode='replicate'), self.sobel
        )
        edge = (grad.abs().sum(dim=1, keepdim=True) > 0).to(mask.dtype)
        # Binary dilation as a box sum (zero padding): ~5x faster than a
        # stride-1 max-pool on the CPU, exact for a {0, 1} input.
        margin = (
            F.conv2d(edge, self.box, padding=self.dilation_size // 2) > 0
        ).to(mask.dtype)
        tumour = mask * (1 - margin)
        background = 1 - tumour - margin
        return torch.cat([background, tumour, margin], dim=1)

    def _tumour_mask(self, seg_logits: Tensor) -> Tensor:
        """``argmax(seg_logits, dim=1) == tumour_index`` as (N, 1, H, W).

        Element-wise comparisons against each other class (ties go to the
        lower index, as ``argmax``): a channel ``argmax`` is ~500x slower
        on the CPU (34 ms for 2 x 2 x 256 x 256).
        """
        num_classes = seg_logits.shape[1]
        if num_classes == 1:
            return seg_logits > 0
        if self.tumour_index >= num_classes:
            raise ValueError(
                f'COSANeck: tumour_index={self.tumour_index} but the '
                f'segmentation logits have {num_classes} classes.'
            )
        tumour = seg_logits[:, self.tumour_index : self.tumour_index + 1]
        mask = torch.ones_like(tumour, dtype=torch.bool)
        for idx in range(num_classes):
            other = seg_logits[:, idx : idx + 1]
            if idx < self.tumour_index:
                mask = mask & (tumour > other)
            elif idx > self.tumour_index:
                mask = mask & (tumour >= other)
        return mask

    def resize_regions(self, regions: Tensor, size: torch.Size) -> Tensor:
        """Resize region maps (N, 3, H, W) to the feature grid ``size``."""
        if torch.onnx.is_in_onnx_export():
            return _export_resize(regions, size, self.resize_mode)
        if self.resize_mode == 'area':
            return F.adaptive_avg_pool2d(regions, size)
        if self.resize_mode == 'nearest':
            return F.interpolate(regions, size=size, mode='nearest')
        return F.interpolate(
            regions, size=size, mode='bilinear', align_corners=False
        )

    def forward(
        self, feat: Tensor, seg_logits: Tensor, return_regions: bool = False
    ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        """Compute the fused regional feature vector FW.

        Args:
            feat (Tensor): C5, shape (N, C, h, w).
            seg_logits (Tensor): Segmentation logits (N, K, H, W) at input
                resolution; only their argmax is used (no gradient).
            return_regions (bool): Also return the region maps. Defaults
                to False.

        Returns:
            Tensor | tuple[Tensor, Tensor]: FW of shape (N, C); with
            ``return_regions`` the pair ``(FW, regions)``, ``regions``
            being X, Y, Z of :meth:`split_regions`, (N, 3, H, W) at the
            size of ``seg_logits``, without gradient.
        """
        regions = self.split_regions(seg_logits)
        grid = self.resize_regions(regions, feat.shape[2:]).to(feat.dtype)
        pooled = []
        for idx, attention in enumerate(self.attentions):
            weight = grid[:, idx : idx + 1]
            attended = attention(weight * feat, feat, weight)
            pooled.append(attended.mean(dim=(2, 3)))
        stacked = torch.stack(pooled, dim=1)  # F: (N, 3, C)
        if self.fusion == 'weighted_sum':
            fused = self.fuse(stacked.unsqueeze(-1)).flatten(1)
        else:
            fused = self._fuse_conv(stacked.flatten(1)[..., None, None])
        return (fused, regions) if return_regions else fused

    def _fuse_conv(self, x: Tensor) -> Tensor:
        """RMTL fusion of (N, 3C, 1, 1) to (N, C).

        Batch norm cannot take batch statistics from one vector: a training
        batch of one (e.g. the last, incomplete batch of an epoch) is
        normalised with the running statistics instead of failing.
        """
        if self.training and x.shape[0] == 1:
            if not self._warned_batch_one:
                print_log(
                    'COSANeck: a training batch of 1 uses the running BN '
                    "statistics of fusion='conv'; use batch >= 2 or "
                    'drop_last=True to avoid it.',
                    logger='current',
                )
                self._warned_batch_one = True
            bn = self.fuse.norm
            x = self.fuse.conv(x)
            x = F.batch_norm(
                x,
                bn.running_mean,
                bn.running_var,
                bn.weight,
                bn.bias,
                False,
                0.0,
                bn.eps,
            )
            return self.fuse.activate(x).flatten(1)
        return self.fuse(x).flatten(1)


def _export_resize(regions: Tensor, size: torch.Size, mode: str) -> Tensor:
    """:meth:`COSANeck.resize_regions` as ONNX can express it.

    An exported graph has a fixed input size, so the traced sizes are
    constants; ``'area'`` becomes an average pooling, which equals
    ``adaptive_avg_pool2d`` when the grid divides the maps (ONNX has no
    adaptive pooling).
    """
    in_h, in_w = (int(s) for s in regions.shape[2:])
    out_h, out_w = (int(s) for s in size)
    if mode == 'area':
        if in_h % out_h or in_w % out_w:
            raise ValueError(
                f'COSANeck: cannot export area resizing from {in_h}x{in_w} '
                f'to {out_h}x{out_w} (ONNX has no adaptive pooling): use an '
                f'input size that is a multiple of the backbone stride.'
            )
        return F.avg_pool2d(regions, (in_h // out_h, in_w // out_w))
    if mode == 'nearest':
        return F.interpolate(regions, size=(out_h, out_w), mode='nearest')
    return F.interpolate(
        regions, size=(out_h, out_w), mode='bilinear', align_corners=False
    )
