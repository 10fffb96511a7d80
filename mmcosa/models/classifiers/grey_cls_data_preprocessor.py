"""mmpretrain's ``ClsDataPreprocessor`` that hands a grey image to LeNet."""

from typing import Optional, Sequence

import torch
from mmpretrain.models import ClsDataPreprocessor
from mmpretrain.registry import MODELS

__all__ = ['GreyClsDataPreprocessor']


@MODELS.register_module()
class GreyClsDataPreprocessor(ClsDataPreprocessor):
    """Batch images, convert them to one grey channel, then normalise.

    mmpretrain's ``LeNet5`` takes a single-channel image, while the BUS
    pipelines deliver three channels (BUSI is stored as RGB, UDIAT and the
    phantom as grey replicated by the loader). The grey level is the
    weighted sum ``weights . (R, G, B)`` (ITU-R BT.601 luma by default; on
    a grey image replicated to three channels it returns the grey level
    exactly). A batch that already has one channel is only normalised.

    Args:
        mean (float): Grey mean subtracted after the conversion.
            Defaults to 127.5.
        std (float): Grey standard deviation divided by. Must be > 0.
            Defaults to 127.5.
        weights (Sequence[float]): Three channel weights in RGB order.
            Defaults to (0.299, 0.587, 0.114).
        to_rgb (bool): Flip BGR (mmcv's loading order) to RGB before
            weighting. Defaults to True.
        pad_size_divisor (int): See ``ClsDataPreprocessor``. Defaults to 1.
        pad_value (float): See ``ClsDataPreprocessor``. Defaults to 0.
        batch_augments (dict, optional): See ``ClsDataPreprocessor``.
            Defaults to None.

    Raises:
        ValueError: ``std`` is not positive or ``weights`` is not three
            numbers, or (in :meth:`forward`) a batch has neither one nor
            three channels.
    """

    def __init__(
        self,
        mean: float = 127.5,
        std: float = 127.5,
        weights: Sequence[float] = (0.299, 0.587, 0.114),
        to_rgb: bool = True,
        pad_size_divisor: int = 1,
        pad_value: float = 0.0,
        batch_augments: Optional[dict] = None,
    ) -> None:
        super().__init__(
            mean=None,
            std=None,
            pad_size_divisor=pad_size_divisor,
            pad_value=pad_value,
            to_rgb=to_rgb,
            batch_augments=batch_augments,
        )
        if not std > 0:
            raise ValueError(
                f'GreyClsDataPreprocessor: std={std!r} must be positive.'
            )
        weights = tuple(float(w) for w in weights)
        if len(weights) != 3:
            raise ValueError(
                f'GreyClsDataPreprocessor: weights={weights!r} '
                'must be three numbers (R, G, B).'
            )
        self.grey_mean = float(mean)
        self.grey_std = float(std)
        self.register_buffer(
            'grey_weights',
            torch.tensor(weights).view(1, 3, 1, 1),
            persistent=False,
        )

    def forward(self, data: dict, training: bool = False) -> dict:
        """Batch, convert to grey and normalise.

        Args:
            data (dict): ``inputs`` (list of (C, H, W) uint8 tensors or a
                (N, C, H, W) tensor) and ``data_samples``.
            training (bool): Whether batch augmentations apply.

        Returns:
            dict: ``inputs`` of shape (N, 1, H, W), float, normalised, and
            the ``data_samples``.
        """
        data = super().forward(data, training)
        inputs = data['inputs']
        channels = inputs.size(1)
        if channels == 3:
            inputs = (inputs * self.grey_weights).sum(dim=1, keepdim=True)
        elif channels != 1:
            raise ValueError(
                f'GreyClsDataPreprocessor: got {channels} channels, expected '
                '1 (grey) or 3 (colour) images.'
            )
        data['inputs'] = (inputs - self.grey_mean) / self.grey_std
        return data
