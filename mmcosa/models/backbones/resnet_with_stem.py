"""A torchvision-layout ResNet that also returns its stem features (C1)."""

from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict
from mmseg.registry import MODELS
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

__all__ = ['PretrainedWeightsError', 'ResNetWithStem']

#: depth -> (block, blocks per stage) as in torchvision.
ARCH_SETTINGS: Dict[int, Tuple[type, Tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


class PretrainedWeightsError(RuntimeError):
    """Raised when the backbone's ``Pretrained`` checkpoint cannot be read.

    Tools catch it to print its message alone, without a stack trace.
    """


@MODELS.register_module()
class ResNetWithStem(BaseModule):
    """ResNet in torchvision's layout returning C1 (stem) to C5.

    The modules and state-dict keys are torchvision's (``conv1.weight``,
    ``bn1.*``, ``layer1.0.conv1.weight``, ...) so torchvision ImageNet
    weights load as they are; ``fc`` is not built.

    ==== ==================================== ====== =================
    name what                                 stride channels (r50+)
    ==== ==================================== ====== =================
    C1   conv1 + bn1 + relu (before max-pool) 2      64
    C2   layer1                               4      256 (64 r18/34)
    C3   layer2                               8      512 (128)
    C4   layer3                               16     1024 (256)
    C5   layer4                               32     2048 (512)
    ==== ==================================== ====== =================

    Args:
        depth (int): 18, 34, 50, 101 or 152.
        out_indices (Sequence[int]): Which of (C1, ..., C5) to return,
            as indices 0-4. Defaults to all five.
        norm_cfg (dict): mmcv norm layer config. Defaults to BN.
        frozen_stages (int): Stages to freeze (eval mode, no gradient):
            -1 none, 0 the stem, ``k`` the stem and ``layer1..layerk``.
        norm_eval (bool): Keep every norm layer in eval mode during
            training (frozen running statistics). Defaults to False.
        init_cfg (dict, optional): ``dict(type='Pretrained',
            checkpoint='torchvision://resnet101')`` or a local ``.pth``
            path; ``prefix`` selects a sub-dict (e.g. ``'backbone.'``).
            ``None`` keeps torchvision's random initialisation.

    Raises:
        PretrainedWeightsError: from :meth:`init_weights` when the
            checkpoint cannot be downloaded or read; the message says how
            to train from scratch or use a local file.
    """

    def __init__(
        self,
        depth: int = 101,
        out_indices: Sequence[int] = (0, 1, 2, 3, 4),
        norm_cfg: Optional[dict] = None,
        frozen_stages: int = -1,
        norm_eval: bool = False,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if depth not in ARCH_SETTINGS:
            raise ValueError(
                f'ResNetWithStem: depth={depth!r} is not one '
                f'of {sorted(ARCH_SETTINGS)}.'
            )
        out_indices = tuple(out_indices)
        if not out_indices or any(i not in range(5) for i in out_indices):
            raise ValueError(
                f'ResNetWithStem: out_indices={out_indices!r} '
                'must be a non-empty subset of 0..4 (C1..C5).'
            )
        if frozen_stages not in range(-1, 5):
            raise ValueError(
                f'ResNetWithStem: frozen_stages='
                f'{frozen_stages!r} must be in -1..4.'
            )
        if init_cfg is not None and not (
            isinstance(init_cfg, dict) and 'type' in init_cfg
        ):
            raise TypeError(
                f'ResNetWithStem: init_cfg={init_cfg!r} must be '
                'None or a dict with a "type" key, e.g. '
                "dict(type='Pretrained', checkpoint=...)."
            )
        norm_cfg = (
            dict(type='BN', requires_grad=True)
            if norm_cfg is None
            else norm_cfg
        )
        self.depth = depth
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        def norm_layer(num_features: int) -> nn.Module:
            return build_norm_layer(norm_cfg, num_features)[1]

        block, layers = ARCH_SETTINGS[depth]
        net = ResNet(block, list(layers), norm_layer=norm_layer)
        self.conv1, self.bn1, self.relu = net.conv1, net.bn1, net.relu
        self.maxpool = net.maxpool
        self.layer1, self.layer2 = net.layer1, net.layer2
        self.layer3, self.layer4 = net.layer3, net.layer4
        width = 64 * block.expansion
        self.channels: List[int] = [64, width, 2 * width, 4 * width, 8 * width]
        self._freeze_stages()

    @property
    def out_channels(self) -> List[int]:
        """Channels of the returned features, in ``out_indices`` order."""
        return [self.channels[i] for i in self.out_indices]

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Compute the features.

        Args:
            x (Tensor): Images of shape (N, 3, H, W).

        Returns:
            tuple[Tensor]: The features selected by ``out_indices``;
            C``k`` has shape (N, channels[k-1], ceil(H / 2^k),
            ceil(W / 2^k)).
        """
        c1 = self.relu(self.bn1(self.conv1(x)))
        c2 = self.layer1(self.maxpool(c1))
        c3 = self.layer2(c2)
        c4 = self.layer3(c3)
        c5 = self.layer4(c4)
        feats = (c1, c2, c3, c4, c5)
        return tuple(feats[i] for i in self.out_indices)

    def _freeze_stages(self) -> None:
        """Freeze the stem and ``layer1..layer{frozen_stages}``."""
        if self.frozen_stages < 0:
            return
        stages = [nn.ModuleList([self.conv1, self.bn1])]
        stages += [getattr(self, f'layer{i}') for i in range(1, 5)]
        for stage in stages[: self.frozen_stages + 1]:
            stage.eval()
            for param in stage.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'ResNetWithStem':
        """Set train mode, keeping frozen stages / norms in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self

    def init_weights(self) -> None:
        """Load the ``Pretrained`` checkpoint, or keep the random init.

        Raises:
            PretrainedWeightsError: the checkpoint cannot be fetched or
                read (no internet, wrong path, not a state dict).
        """
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        checkpoint = cfg.get('checkpoint')
        try:
            ckpt = CheckpointLoader.load_checkpoint(
                checkpoint, map_location='cpu', logger='current'
            )
        except Exception as err:  # any download / read failure
            raise PretrainedWeightsError(
                _pretrained_help(checkpoint, err)
            ) from None
        state_dict = (
            ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
        )
        if not isinstance(state_dict, dict):
            raise PretrainedWeightsError(
                _pretrained_help(checkpoint, 'it holds no state dict')
            )
        prefix = cfg.get('prefix')
        if prefix:
            prefix = prefix if prefix.endswith('.') else prefix + '.'
            state_dict = {
                k[len(prefix) :]: v
                for k, v in state_dict.items()
                if k.startswith(prefix)
            }
        load_state_dict(self, state_dict, strict=False, logger='current')
        print_log(f'ResNetWithStem: loaded {checkpoint}', logger='current')
        self._is_init = True


def _pretrained_help(checkpoint: object, err: object) -> str:
    """Say why a checkpoint failed and the two ways forward."""
    return (
        f'ResNetWithStem could not load the pretrained weights '
        f'{checkpoint!r}: {err}.\n'
        'mmcosa never downloads at test time and this machine may have no '
        'internet. Either\n'
        '  * train from scratch:\n'
        '      --cfg-options model.backbone.init_cfg=None\n'
        '  * or download the torchvision ImageNet weights elsewhere '
        '(e.g. resnet101-63fe2227.pth) and point at the file:\n'
        '      --cfg-options '
        'model.backbone.init_cfg.checkpoint=/path/resnet101.pth'
    )
