"""Image classification head of the multi-task models."""

from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

__all__ = ['BUSClsHead']


@MODELS.register_module()
class BUSClsHead(BaseModule):
    """Dropout + FC on a pooled feature vector, cross-entropy loss.

    MTL: FC(2048 -> 2) alone, 4,098 parameters. MTL-COSA: dropout 0.5
    before the FC (RMTL). ``forward`` gives logits; ``loss_by_feat``
    reads ``gt_label`` (LongTensor (1,)) from each data sample;
    ``predict_by_feat`` gives softmax scores. The segmentor prefixes the
    loss keys with ``cls.``.

    Args:
        in_channels (int): Length C of the input vectors. Default 2048.
        num_classes (int): Number of image classes. Defaults to 2.
        dropout_ratio (float): Dropout before the FC, in [0, 1).
            Defaults to 0.
        loss_cls (dict): mmseg loss config; its ``loss_weight`` is the
            task weight beta. Defaults to CrossEntropyLoss, weight 1.
        init_cfg (dict, optional): Defaults to Normal(std=0.01) on the FC.
    """

    def __init__(
        self,
        in_channels: int = 2048,
        num_classes: int = 2,
        dropout_ratio: float = 0.0,
        loss_cls: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        if init_cfg is None:
            init_cfg = dict(type='Normal', layer='Linear', std=0.01)
        super().__init__(init_cfg=init_cfg)
        if in_channels < 1:
            raise ValueError(
                f'BUSClsHead: in_channels={in_channels!r} must be positive.'
            )
        if num_classes < 2:
            raise ValueError(
                f'BUSClsHead: num_classes={num_classes!r} '
                'must be >= 2 (softmax classifier).'
            )
        if not 0 <= dropout_ratio < 1:
            raise ValueError(
                f'BUSClsHead: dropout_ratio={dropout_ratio!r} '
                'must be in [0, 1).'
            )
        if loss_cls is None:
            loss_cls = dict(type='CrossEntropyLoss', loss_weight=1.0)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.dropout = (
            nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        )
        self.fc = nn.Linear(in_channels, num_classes)
        self.loss_cls = MODELS.build(loss_cls)

    def forward(self, feats: Tensor) -> Tensor:
        """Classify pooled features.

        Args:
            feats (Tensor): Shape (N, C).

        Returns:
            Tensor: Logits of shape (N, num_classes).
        """
        return self.fc(self.dropout(feats.flatten(1)))

    def loss_by_feat(
        self, cls_logits: Tensor, data_samples: List
    ) -> Dict[str, Tensor]:
        """Cross-entropy of the logits against each sample's ``gt_label``.

        Args:
            cls_logits (Tensor): Shape (N, num_classes).
            data_samples (list): Samples carrying ``gt_label`` (1,).

        Returns:
            dict[str, Tensor]: ``loss_ce`` (or the loss's ``loss_name``),
            weighted by its ``loss_weight``, and ``acc`` (%, not summed).
        """
        missing = [
            i
            for i, sample in enumerate(data_samples)
            if 'gt_label' not in sample
        ]
        if missing:
            raise KeyError(
                f'BUSClsHead: data samples {missing} carry no gt_label; '
                'pack them with PackBUSInputs (it adds the image label).'
            )
        labels = (
            torch.cat([sample.gt_label.reshape(-1) for sample in data_samples])
            .to(cls_logits.device)
            .long()
        )
        loss = self.loss_cls(cls_logits, labels)
        acc = (cls_logits.argmax(dim=1) == labels).float().mean() * 100
        return {self.loss_cls.loss_name: loss, 'acc': acc.detach()}

    def loss(self, feats: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """``forward`` then ``loss_by_feat``."""
        return self.loss_by_feat(self.forward(feats), data_samples)

    def predict_by_feat(self, cls_logits: Tensor) -> Tensor:
        """Softmax scores of shape (N, num_classes)."""
        return cls_logits.softmax(dim=1)

    def predict(self, feats: Tensor) -> Tensor:
        """``forward`` then ``predict_by_feat``."""
        return self.predict_by_feat(self.forward(feats))
