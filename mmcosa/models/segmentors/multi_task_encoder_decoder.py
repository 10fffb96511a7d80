"""Segmentation + image classification in one mmseg segmentor."""

from typing import List, Optional, Tuple, Union

import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
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

    With a COSA neck (``cls_neck.returns_regions``) each prediction also
    carries the neck's region maps as ``pred_regions``: a ``PixelData``
    (3, H, W) float, background X / tumour Y / margin Z, at the original
    image size (cropped of padding, flipped back and resized like
    ``seg_logits``, but nearest). Other models leave it absent. Asking the
    neck for its maps changes neither the seg logits nor the class scores.

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
          │    │    └─ _encode_decode_cls()  (seg logits, class scores,
          │    │                              region maps | None)
          │    ├─ postprocess_result()  pred_sem_seg, seg_logits
          │    └─ pred_score (C,), pred_label (1,), pred_regions (3, H, W)
          └─ 'tensor'  -> _forward()  (seg logits, class logits)

    The task weights alpha and beta are the ``loss_weight`` of
    ``decode_head.loss_decode`` and of ``cls_head.loss_cls`` (0.8 and 0.2
    in the paper), so the summed total is ``alpha * L_seg + beta * L_cls``.
    In slide inference the class score is the mean of the crops' softmax
    and the region maps the mean of the crops' maps over the crops covering
    each pixel (they still sum to 1).

    Args:
        backbone, decode_head, neck, auxiliary_head, train_cfg, test_cfg,
            data_preprocessor, pretrained, init_cfg: As ``EncoderDecoder``.
        cls_neck (dict, optional): Classification neck, called as
            ``cls_neck(C5, seg_logits) -> (N, C)`` (``GAPNeck``,
            ``SANeck``, ``COSANeck``); a neck whose ``returns_regions`` is
            True is called at prediction as ``cls_neck(C5, seg_logits,
            return_regions=True) -> ((N, C), (N, 3, H, W))``.
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

    @property
    def with_regions(self) -> bool:
        """Whether predictions carry the neck's ``pred_regions`` (COSA)."""
        return self.with_cls and bool(
            getattr(self.cls_neck, 'returns_regions', False)
        )

    def _classify(
        self,
        feats: List[Tensor],
        seg_logits: Tensor,
        inputs: Tensor,
        return_regions: bool = False,
    ) -> Tuple[Tensor, Optional[Tensor]]:
        """Class logits (N, K) from C5 and the (detached) seg logits.

        The logits are brought to the input size first (they are 1 px
        larger for odd sizes), so COSA splits regions at input resolution.

        Returns:
            tuple[Tensor, Tensor | None]: The class logits and, when asked
            for and the neck has them, its region maps (N, 3, H, W) at the
            input size; else None.
        """
        seg_logits = seg_logits.detach()
        if seg_logits.shape[2:] != inputs.shape[2:]:
            seg_logits = resize(
                seg_logits,
                size=inputs.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners,
            )
        if return_regions and self.with_regions:
            feat, regions = self.cls_neck(
                feats[-1], seg_logits, return_regions=True
            )
            return self.cls_head(feat), regions
        return self.cls_head(self.cls_neck(feats[-1], seg_logits)), None

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
        cls_logits, _ = self._classify(feats, seg_logits, inputs)
        losses.update(
            add_prefix(
                self.cls_head.loss_by_feat(cls_logits, data_samples), 'cls'
            )
        )
        return losses

    def _encode_decode_cls(
        self, inputs: Tensor, batch_img_metas: List[dict]
    ) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
        """Seg logits at the (crop) input size, class scores (N, K) and
        the COSA region maps (N, 3, H, W) at the input size (None without
        a COSA neck)."""
        feats = self.extract_feat(inputs)
        raw = self.decode_head.forward(feats)
        cls_logits, regions = self._classify(
            feats, raw, inputs, return_regions=True
        )
        scores = self.cls_head.predict_by_feat(cls_logits)
        seg_logits = self.decode_head.predict_by_feat(raw, batch_img_metas)
        return seg_logits, scores, regions

    def whole_inference(
        self, inputs: Tensor, batch_img_metas: List[dict]
    ) -> Union[Tensor, Tuple[Tensor, ...]]:
        """Whole-image inference: seg logits, plus class scores (N, K) and
        region maps (N, 3, H, W) or None when the model has a
        classification branch."""
        if not self.with_cls:
            return super().whole_inference(inputs, batch_img_metas)
        return self._encode_decode_cls(inputs, batch_img_metas)

    def slide_inference(
        self, inputs: Tensor, batch_img_metas: List[dict]
    ) -> Union[Tensor, Tuple[Tensor, ...]]:
        """Sliding-window inference (mmseg's), the class scores being the
        mean of the crops' softmax scores and the region maps (or None)
        the mean of the crops' maps at each pixel."""
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
        regions = (
            inputs.new_zeros((batch_size, 3, h_img, w_img))
            if self.with_regions
            else None
        )
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y2 = min(h_idx * h_stride + h_crop, h_img)
                x2 = min(w_idx * w_stride + w_crop, w_img)
                y1, x1 = max(y2 - h_crop, 0), max(x2 - w_crop, 0)
                crop = inputs[:, :, y1:y2, x1:x2]
                batch_img_metas[0]['img_shape'] = crop.shape[2:]
                crop_logits, crop_scores, crop_regions = (
                    self._encode_decode_cls(crop, batch_img_metas)
                )
                pad = (x1, w_img - x2, y1, h_img - y2)
                preds += F.pad(crop_logits, pad)
                count_mat[:, :, y1:y2, x1:x2] += 1
                scores += crop_scores
                if regions is not None:
                    regions += F.pad(crop_regions.to(regions), pad)
        if regions is not None:
            regions = regions / count_mat
        return preds / count_mat, scores / (h_grids * w_grids), regions

    def predict(
        self, inputs: Tensor, data_samples: OptSampleList = None
    ) -> SampleList:
        """Predict both tasks.

        Returns:
            list[SegDataSample]: With ``pred_sem_seg``, ``seg_logits`` and,
            with a classification branch, ``pred_score`` (K,) softmax and
            ``pred_label`` LongTensor (1,); with a COSA neck also
            ``pred_regions`` (3, H, W) at the original size (at the input
            size when ``data_samples`` is None, as ``seg_logits``).
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
        seg_logits, scores, regions = self.inference(inputs, batch_img_metas)
        at_input_size = data_samples is None
        results = self.postprocess_result(seg_logits, data_samples)
        for idx, (sample, score) in enumerate(zip(results, scores)):
            sample.set_data(
                dict(
                    pred_score=score,
                    pred_label=score.argmax(dim=0, keepdim=True),
                )
            )
            if regions is not None:
                maps = regions[idx]
                if not at_input_size:
                    maps = _regions_to_original(maps, sample.metainfo)
                sample.set_data(dict(pred_regions=PixelData(data=maps)))
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
        return seg_logits, self._classify(feats, seg_logits, inputs)[0]


def _regions_to_original(regions: Tensor, meta: dict) -> Tensor:
    """Bring one image's region maps from the input to the original size.

    The steps of mmseg's ``postprocess_result`` for the seg logits: crop
    the padding (``img_padding_size``, else ``padding_size``), undo a flip,
    resize to ``ori_shape``, here nearest so binary maps stay binary.

    Args:
        regions (Tensor): (3, H, W) maps at the model input size.
        meta (dict): The sample's metainfo.

    Returns:
        Tensor: (3, H0, W0) float maps, ``(H0, W0) = ori_shape``.
    """
    pad = meta.get('img_padding_size', meta.get('padding_size', [0] * 4))
    left, right, top, bottom = (int(p) for p in pad)
    h, w = regions.shape[-2:]
    regions = regions[:, top : h - bottom, left : w - right].float()
    if meta.get('flip', False):
        dim = 2 if meta.get('flip_direction') == 'horizontal' else 1
        regions = regions.flip(dims=(dim,))
    size = tuple(int(s) for s in meta['ori_shape'][:2])
    return F.interpolate(regions[None], size=size, mode='nearest')[0]
