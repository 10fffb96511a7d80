"""Pad to a fixed size and record the padding, so predictions crop back."""

from numbers import Integral
from typing import Sequence

import mmcv
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

__all__ = ['PadToSize']


def _check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f'{name} must be an int, got {value!r}')
    if not low <= value <= high:
        raise ValueError(f'{name} must be in [{low}, {high}], got {value}')
    return int(value)


@TRANSFORMS.register_module()
class PadToSize(BaseTransform):
    """Pad the image (and loaded maps) at the bottom and right to ``size``.

    The partner of ``Resize(scale=size, keep_ratio=True)``: the resized
    image fits inside ``size`` with its aspect ratio kept, and the rest is
    padding instead of stretch. Unlike mmcv's ``Pad``, the amount of
    padding is recorded as ``padding_size = (left, right, top, bottom)``,
    the key mmseg's ``BaseSegmentor.postprocess_result`` crops off before
    it resizes a prediction to ``ori_shape``; ``PackBUSInputs`` must list
    ``'padding_size'`` in its ``meta_keys`` (as
    ``configs/_base_/datasets/keep_ratio_256.py`` does). Without that
    record the padded logits would be resized onto the original image and
    the mask would come back stretched.

    Pad after any flip (test-time augmentation), so the padding stays at
    the bottom and right of the image the model sees. Do not combine with
    a ``SegDataPreProcessor`` ``test_cfg`` that pads: it overwrites the
    record with its own (zero) padding.

    Required keys: ``img``. Optional keys: ``gt_seg_map``.
    Modified keys: ``img``, ``img_shape``, ``gt_seg_map``.
    Added keys: ``pad_shape``, ``padding_size``.

    Args:
        size (Sequence[int]): Output ``(w, h)``, the order of mmcv's
            ``Resize`` ``scale``. An input larger than ``size`` raises.
        pad_val (int): Image padding value (0, black as the background of
            an ultrasound sector). Defaults to 0.
        seg_pad_val (int): Mask padding value; 255 is ignored by the
            segmentation loss and metrics. Defaults to 255.
    """

    def __init__(
        self, size: Sequence[int], pad_val: int = 0, seg_pad_val: int = 255
    ) -> None:
        if (
            not isinstance(size, (tuple, list))
            or len(size) != 2
            or not all(
                isinstance(s, Integral) and not isinstance(s, bool)
                for s in size
            )
        ):
            raise TypeError(
                f'size must be a pair (w, h) of ints, got {size!r}'
            )
        if min(size) < 1:
            raise ValueError(f'size must be positive, got {size!r}')
        self.size = (int(size[0]), int(size[1]))
        self.pad_val = _check_int('pad_val', pad_val, 0, 255)
        self.seg_pad_val = _check_int('seg_pad_val', seg_pad_val, 0, 255)

    def transform(self, results: dict) -> dict:
        """Pad ``results['img']`` (and ``gt_seg_map``) to ``size``.

        Args:
            results (dict): With ``img`` ``(h0, w0[, C])``, ``h0 <= h`` and
                ``w0 <= w``.

        Returns:
            dict: ``img`` ``(h, w[, C])``, ``padding_size`` ``(0, w - w0,
            0, h - h0)``, ``pad_shape`` and ``img_shape`` ``(h, w)``.
        """
        w, h = self.size
        img = results['img']
        h0, w0 = img.shape[:2]
        if h0 > h or w0 > w:
            raise ValueError(
                f'PadToSize: image {h0}x{w0} (h x w) is larger than the '
                f'pad size {h}x{w}; put Resize(scale=({w}, {h}), '
                f'keep_ratio=True) before it.'
            )
        # a scalar would fill only the first channel (cv2.copyMakeBorder)
        pad_val = (
            (self.pad_val,) * img.shape[2] if img.ndim == 3 else (self.pad_val)
        )
        results['img'] = mmcv.impad(img, shape=(h, w), pad_val=pad_val)
        if results.get('gt_seg_map', None) is not None:
            results['gt_seg_map'] = mmcv.impad(
                results['gt_seg_map'], shape=(h, w), pad_val=self.seg_pad_val
            )
        results['padding_size'] = (0, w - w0, 0, h - h0)
        results['pad_shape'] = (h, w)
        results['img_shape'] = (h, w)
        return results

    def __repr__(self) -> str:
        return (
            f'{self.__class__.__name__}(size={self.size}, '
            f'pad_val={self.pad_val}, seg_pad_val={self.seg_pad_val})'
        )
