"""Test-time augmentation averaging both tasks' predictions."""

from typing import List

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.utils import SampleList

__all__ = ['MultiTaskTTAModel']


@MODELS.register_module()
class MultiTaskTTAModel(SegTTAModel):
    """``SegTTAModel`` that also averages the class score over the views.

    mmseg's ``SegTTAModel`` averages the softmax of ``seg_logits`` over
    the augmented views of an image and keeps the last view's sample, so
    its ``pred_score`` would be that of one view only (STACK item 8). Here
    ``pred_score`` (K,) is the mean over the views and ``pred_label``
    (1,) its argmax. Without class predictions it is ``SegTTAModel``.

    The COSA region maps ``pred_regions`` (3, H, W), when the views carry
    them, are the mean of the views' maps: each view's maps are already
    at the original size and flipped back, so they are aligned, and the
    mean is taken like that of the masks' softmax. Where the views agree
    the maps stay binary; elsewhere they are fractions that still sum to
    1 (drawings show the margin where Z > 0.5: in over half the views).
    """

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        """Merge the predictions of the views of each image.

        Args:
            data_samples_list (list[list[SegDataSample]]): For each image,
                the predictions of its views.

        Returns:
            list[SegDataSample]: One merged prediction per image.
        """
        merged = super().merge_preds(data_samples_list)
        for result, views in zip(merged, data_samples_list):
            if 'pred_score' not in views[0]:
                continue
            score = torch.stack([view.pred_score for view in views]).mean(0)
            result.set_data(
                dict(
                    pred_score=score,
                    pred_label=score.argmax(dim=0, keepdim=True),
                )
            )
            if 'pred_regions' in views[0]:
                maps = torch.stack([v.pred_regions.data for v in views])
                result.set_data(
                    dict(pred_regions=PixelData(data=maps.mean(0)))
                )
            if 'gt_label' in views[0]:
                result.set_data(dict(gt_label=views[0].gt_label))
        return merged
