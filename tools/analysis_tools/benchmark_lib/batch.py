"""A synthetic batch shaped like the output of the BUSI pipeline."""

from typing import Dict, List, Tuple

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

__all__ = ['make_batch']


def make_batch(
    batch_size: int, size: Tuple[int, int], seed: int = 0
) -> Dict[str, List]:
    """What ``PackBUSInputs`` + ``pseudo_collate`` give a model.

    Args:
        batch_size (int): Images in the batch, >= 1.
        size (tuple[int, int]): Image (h, w).
        seed (int): Seed of the pixels and the square tumours.

    Returns:
        dict: ``inputs``: list of uint8 (3, h, w) BGR images on the CPU;
        ``data_samples``: list of ``SegDataSample`` with ``gt_sem_seg``
        (1, h, w) in {0, 1}, ``gt_label`` LongTensor (1,) alternating
        0 / 1, and the image shapes in the metainfo.
    """
    if batch_size < 1:
        raise ValueError(
            f'make_batch: batch_size={batch_size!r} must be >= 1.'
        )
    h, w = size
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(batch_size):
        inputs.append(
            torch.randint(0, 256, (3, h, w), generator=gen, dtype=torch.uint8)
        )
        mask = torch.zeros(1, h, w, dtype=torch.int64)
        top = int(torch.randint(0, h // 2 + 1, (1,), generator=gen))
        left = int(torch.randint(0, w // 2 + 1, (1,), generator=gen))
        mask[:, top : top + h // 3 + 1, left : left + w // 3 + 1] = 1
        sample = SegDataSample(gt_sem_seg=PixelData(data=mask))
        sample.gt_label = torch.tensor([i % 2])
        sample.set_metainfo(
            dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))
        )
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)
