"""mmpretrain's ``ImageClassifier`` fed with mmcosa's BUS data samples."""

from typing import List, Optional, Sequence, Union

from mmengine.structures import BaseDataElement
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from ..backbones.resnet_with_stem import PretrainedWeightsError

__all__ = ['BUSImageClassifier']


@MODELS.register_module()
class BUSImageClassifier(ImageClassifier):
    """mmpretrain's ``ImageClassifier`` for the single-task baselines.

    The backbone, neck, head and data preprocessor are mmpretrain's own,
    built from mmpretrain's registry (configs set ``_scope_='mmpretrain'``
    on the model dict). Two things are added so that the baselines of the
    paper's Table 2 (ResNet-101, VGG-16, LeNet) train and test on exactly
    the same data pipelines, folds and metrics as the multi-task models:

    * ``predict`` also accepts mmseg ``SegDataSample`` inputs (what
      ``PackBUSInputs`` produces). It writes ``pred_score`` (C,) and
      ``pred_label`` (1,) into them, the fields of the mmcosa contract,
      instead of failing on mmpretrain's ``set_pred_score``. mmpretrain
      ``DataSample`` inputs keep mmpretrain's own behaviour. ``loss`` reads
      ``gt_label`` (1,) from either kind as it is.
    * ``init_weights`` turns a failed ``Pretrained`` load (no internet,
      wrong path) into :class:`PretrainedWeightsError`, whose message says
      how to train from scratch or point at a local file; tools print it
      without a stack trace.

    Call graph::

        forward(mode='loss')    -> loss()    -> extract_feat -> head.loss
        forward(mode='predict') -> predict() -> extract_feat
                                   -> head.predict -> copy into samples
        forward(mode='tensor')  -> extract_feat -> head (logits (N, C))

    Args:
        See :class:`mmpretrain.models.ImageClassifier`; the arguments are
        the same.
    """

    def predict(
        self,
        inputs: Tensor,
        data_samples: Optional[List[BaseDataElement]] = None,
        **kwargs,
    ) -> List[BaseDataElement]:
        """Predict class scores for a batch.

        Args:
            inputs (Tensor): Images of shape (N, C, H, W).
            data_samples (list, optional): mmpretrain ``DataSample`` or
                mmseg ``SegDataSample`` of each image, or None.

        Returns:
            list: The given samples (or new ``DataSample`` when None) with
            ``pred_score`` of shape (num_classes,) (softmax) and
            ``pred_label`` of shape (1,) set.
        """
        if data_samples is None or all(
            isinstance(s, DataSample) for s in data_samples
        ):
            return super().predict(inputs, data_samples, **kwargs)
        feats = self.extract_feat(inputs)
        preds = self.head.predict(feats, None, **kwargs)
        for sample, pred in zip(data_samples, preds):
            sample.set_field(pred.pred_score, 'pred_score')
            sample.set_field(pred.pred_label, 'pred_label')
        return list(data_samples)

    def init_weights(self) -> None:
        """Initialise, explaining a ``Pretrained`` checkpoint that fails.

        Raises:
            PretrainedWeightsError: A ``Pretrained`` ``init_cfg`` of the
                model or its backbone could not be downloaded or read.
        """
        checkpoints = _pretrained_checkpoints(
            self.init_cfg
        ) + _pretrained_checkpoints(getattr(self.backbone, 'init_cfg', None))
        if not checkpoints:
            super().init_weights()
            return
        try:
            super().init_weights()
        except PretrainedWeightsError:
            raise
        except Exception as err:  # any download / read failure
            raise PretrainedWeightsError(
                _pretrained_help(checkpoints, err)
            ) from None


def _pretrained_checkpoints(
    init_cfg: Union[dict, Sequence[dict], None],
) -> List[str]:
    """The checkpoints of the ``Pretrained`` entries of an ``init_cfg``."""
    if init_cfg is None:
        return []
    cfgs = [init_cfg] if isinstance(init_cfg, dict) else list(init_cfg)
    return [
        str(cfg.get('checkpoint'))
        for cfg in cfgs
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'
    ]


def _pretrained_help(checkpoints: List[str], err: object) -> str:
    """Say why a checkpoint failed and the two ways forward."""
    names = ', '.join(repr(c) for c in checkpoints)
    return (
        f'BUSImageClassifier could not load the pretrained weights {names}: '
        f'{str(err).rstrip(".")}.\n'
        'mmcosa never downloads at test time and this machine may have no '
        'internet. Either\n'
        '  * train from scratch:\n'
        '      --cfg-options model.backbone.init_cfg=None\n'
        '  * or download the ImageNet weights elsewhere and point at the '
        'file:\n'
        '      --cfg-options '
        'model.backbone.init_cfg.checkpoint=/path/weights.pth'
    )
