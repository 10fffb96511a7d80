"""Test-time augmentation averaging both tasks' predictions."""

from typing import List

import torch
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
            if 'gt_label' in views[0]:
                result.set_data(dict(gt_label=views[0].gt_label))
        return merged
