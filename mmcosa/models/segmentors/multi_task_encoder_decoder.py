"""Segmentation + image classification in one mmseg segmentor."""

from typing import List, Optional, Tuple, Union

import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList, add_prefix
from torch import Tensor

__all__ = ['MultiTaskEncoderDecoder']


@MODELS.register_module()
class MultiTaskEncoderDecoder(EncoderDecoder):
    """mmseg ``EncoderDecoder`` with an image classification branch.

    The classification branch (``cls_neck`` -> ``cls_head``) is fed with
    the last backbone feature (C5) and the segmentation logits, detached
    (the COSA neck uses only their argmax). Without ``cls_neck`` and
    ``cls_head`` the model is a plain ``EncoderDecoder``.

    Call graph::

        forward(inputs, data_samples, mode)
          ├─ 'loss'    -> loss()
          │    ├─ extract_feat()                    backbone (+ neck)
          │    ├─ decode_head.forward()             seg logits
          │    ├─ decode_head.loss_by_feat()        'decode.loss_ce' (alpha)
          │    ├─ auxiliary heads                   'aux.*'
          │    ├─ _classify()  cls_neck -> cls_head.forward
          │    └─ cls_head.loss_by_feat()           'cls.loss_ce' (beta)
          ├─ 'predict' -> predict()
          │    ├─ inference()  -> whole_inference() | slide_inference()
          │    │    └─ _encode_decode_cls()  (seg logits, class scores)
          │    └─ postprocess_result()  pred_sem_seg, seg_logits,
          │                             pred_score (C,), pred_label (1,)
          └─ 'tensor'  -> _forward()  (seg logits, class logits)

    The task weights alpha and beta are the ``loss_weight`` of
    ``decode_head.loss_decode`` and of ``cls_head.loss_cls`` (0.8 and 0.2
    in the paper), so the summed total is ``alpha * L_seg + beta * L_cls``.
    In slide inference the class score is the mean of the crops' softmax.

    Args:
        backbone, decode_head, neck, auxiliary_head, train_cfg, test_cfg,
            data_preprocessor, pretrained, init_cfg: As ``EncoderDecoder``.
        cls_neck (dict, optional): Classification neck, called as
            ``cls_neck(C5, seg_logits) -> (N, C)`` (``GAPNeck``,
            ``SANeck``, ``COSANeck``).
        cls_head (dict, optional): Classification head (``BUSClsHead``).
    """

    def __init__(
        self,
        backbone: dict,
        decode_head: dict,
        cls_neck: Optional[dict] = None,
        cls_head: Optional[dict] = None,
        neck: Optional[dict] = None,
        auxiliary_head: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        pretrained: Optional[str] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        if (cls_neck is None) != (cls_head is None):
            raise ValueError(
                'MultiTaskEncoderDecoder: give both cls_neck and cls_head '
                f'or neither (got cls_neck={cls_neck!r}, cls_head='
                f"{cls_head!r}); MTL uses cls_neck=dict(type='GAPNeck')."
            )
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=ConfigDict(test_cfg or dict(mode='whole')),
            data_preprocessor=data_preprocessor,
            pretrained=pretrained,
            init_cfg=init_cfg,
        )
        if cls_head is not None:
            self.cls_neck = MODELS.build(cls_neck)
            self.cls_head = MODELS.build(cls_head)

    @property
    def with_cls(self) -> bool:
        """Whether the model has a classification branch."""
        return hasattr(self, 'cls_head') and self.cls_head is not None

    def _classify(
        self, feats: List[Tensor], seg_logits: Tensor, inputs: Tensor
    ) -> Tensor:
        """Class logits (N, K) from C5 and the (detached) seg logits.

        The logits are brought to the input size first (they are 1 px
        larger for odd sizes), so COSA splits regions at input resolution.
        """
        seg_logits = seg_logits.detach()
        if seg_logits.shape[2:] != inputs.shape[2:]:
            seg_logits = resize(
                seg_logits,
                size=inputs.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners,
            )
        return self.cls_head(self.cls_neck(feats[-1], seg_logits))

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of both tasks.

        Args:
            inputs (Tensor): Images (N, 3, H, W).
            data_samples (list[SegDataSample]): With ``gt_sem_seg`` and,
                for the classification branch, ``gt_label`` (1,).

        Returns:
            dict[str, Tensor]: ``decode.loss_ce``, ``decode.acc_seg``,
            ``cls.loss_ce``, ``cls.acc`` (and ``aux*`` keys).
        """
        if not self.with_cls:
            return super().loss(inputs, data_samples)
        feats = self.extract_feat(inputs)
        seg_logits = self.decode_head.forward(feats)
        losses = add_prefix(
            self.decode_head.loss_by_feat(seg_logits, data_samples), 'decode'
        )
        if self.with_auxiliary_head:
            losses.update(
                self._auxiliary_head_forward_train(feats, data_samples)
            )
        cls_logits = self._classify(feats, seg_logits, inputs)
        losses.update(
            add_prefix(
                self.cls_head.loss_by_feat(cls_logits, data_samples), 'cls'
            )
        )
        return losses

    def _encode_decode_cls(
        self, inputs: Tensor, batch_img_metas: List[dict]
    ) -> Tuple[Tensor, Tensor]:
        """Seg logits at the (crop) input size and class scores (N, K)."""
        feats = self.extract_feat(inputs)
        raw = self.decode_head.forward(feats)
        scores = self.cls_head.predict_by_feat(
            self._classify(feats, raw, inputs)
        )
        seg_logits = self.decode_head.predict_by_feat(raw, batch_img_metas)
        return seg_logits, scores

    def whole_inference(
        self, inputs: Tensor, batch_img_metas: List[dict]
    ) -> Union[Tensor, Tuple[Tensor, ...]]:
        """Whole-image inference: seg logits, plus class scores (N, K)
        when the model has a classification branch."""
        if not self.with_cls:
            return super().whole_inference(inputs, batch_img_metas)
        return self._encode_decode_cls(inputs, batch_img_metas)

    def slide_inference(
        self, inputs: Tensor, batch_img_metas: List[dict]
    ) -> Union[Tensor, Tuple[Tensor, ...]]:
        """Sliding-window inference (mmseg's), the class scores being the
        mean of the crops' softmax scores."""
        if not self.with_cls:
            return super().slide_inference(inputs, batch_img_metas)
        h_stride, w_stride = self.test_cfg.stride
        h_crop, w_crop = self.test_cfg.crop_size
        batch_size, _, h_img, w_img = inputs.size()
        h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
        w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
        preds = inputs.new_zeros((batch_size, self.out_channels, h_img, w_img))
        count_mat = inputs.new_zeros((batch_size, 1, h_img, w_img))
        scores = inputs.new_zeros((batch_size, self.cls_head.num_classes))
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y2 = min(h_idx * h_stride + h_crop, h_img)
                x2 = min(w_idx * w_stride + w_crop, w_img)
                y1, x1 = max(y2 - h_crop, 0), max(x2 - w_crop, 0)
                crop = inputs[:, :, y1:y2, x1:x2]
                batch_img_metas[0]['img_shape'] = crop.shape[2:]
                crop_logits, crop_scores = self._encode_decode_cls(
                    crop, batch_img_metas
                )
                preds += F.pad(crop_logits, (x1, w_img - x2, y1, h_img - y2))
                count_mat[:, :, y1:y2, x1:x2] += 1
                scores += crop_scores
        return preds / count_mat, scores / (h_grids * w_grids)

    def predict(
        self, inputs: Tensor, data_samples: OptSampleList = None
    ) -> SampleList:
        """Predict both tasks.

        Returns:
            list[SegDataSample]: With ``pred_sem_seg``, ``seg_logits`` and,
            with a classification branch, ``pred_score`` (K,) softmax and
            ``pred_label`` LongTensor (1,).
        """
        if not self.with_cls:
            return super().predict(inputs, data_samples)
        if data_samples is not None:
            batch_img_metas = [sample.metainfo for sample in data_samples]
        else:
            batch_img_metas = [
                dict(
                    ori_shape=inputs.shape[2:],
                    img_shape=inputs.shape[2:],
                    pad_shape=inputs.shape[2:],
                    padding_size=[0, 0, 0, 0],
                )
            ] * inputs.shape[0]
        seg_logits, scores = self.inference(inputs, batch_img_metas)
        results = self.postprocess_result(seg_logits, data_samples)
        for sample, score in zip(results, scores):
            sample.set_data(
                dict(
                    pred_score=score,
                    pred_label=score.argmax(dim=0, keepdim=True),
                )
            )
        return results

    def _forward(
        self, inputs: Tensor, data_samples: OptSampleList = None
    ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        """Raw outputs: seg logits (N, K, H', W') and, with a
        classification branch, class logits (N, C)."""
        if not self.with_cls:
            return super()._forward(inputs, data_samples)
        feats = self.extract_feat(inputs)
        seg_logits = self.decode_head.forward(feats)
        return seg_logits, self._classify(feats, seg_logits, inputs)
