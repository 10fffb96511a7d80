"""Throughput of the BUSI training pipeline on phantom files."""

import contextlib
import copy
import logging
import os.path as osp
import tempfile
import time
from collections import OrderedDict
from typing import Dict, Iterator, Optional, Tuple

import cv2
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

__all__ = ['bench_data_pipeline']


@contextlib.contextmanager
def _one_worker() -> Iterator[None]:
    """Threads as in a dataloader worker: 1 torch thread; OpenCV threads
    off (mmengine's default ``opencv_num_threads=0``)."""
    torch_threads, cv_threads = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(1)
    cv2.setNumThreads(0)
    try:
        yield
    finally:
        torch.set_num_threads(torch_threads)
        cv2.setNumThreads(cv_threads)


def _prepare(
    tmp: str, num_images: int, size_range: Tuple[Tuple[int, int], ...]
) -> str:
    """Write phantom BUSI files into ``tmp`` and convert them; returns the
    prepared folder."""
    from mmcosa.datasets.converters import convert_busi
    from mmcosa.datasets.phantom import make_phantom_raw

    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # the converter reports every group
    try:
        raw = make_phantom_raw(
            osp.join(tmp, 'raw'),
            'busi',
            num=num_images,
            size_range=size_range,
        )
        prepared = osp.join(tmp, 'prepared')
        convert_busi(raw['root'], prepared, num_folds=2, progress=False)
    finally:
        logger.setLevel(level)
    return prepared


def bench_data_pipeline(
    dataset_cfg: str,
    num_images: int = 40,
    passes: int = 3,
    size_range: Tuple[Tuple[int, int], Tuple[int, int]] = (
        (400, 600),
        (500, 700),
    ),
    workdir: Optional[str] = None,
) -> Dict:
    """Images per second of one dataloader worker running the training
    pipeline of ``dataset_cfg`` (decode, augment, pack).

    Phantom cases are written in the downloaded BUSI layout to a temporary
    folder and converted to the prepared layout (neither is timed); the
    ``train_pipeline`` of the config then runs over every prepared image
    ``passes`` times in this process with one torch thread and OpenCV
    threading off, as in a worker. Each transform is timed on its own.

    Args:
        dataset_cfg (str): Dataset config with ``train_pipeline``
            (``configs/_base_/datasets/busi.py``).
        num_images (int): Rendered phantom cases (>= 10).
        passes (int): Passes over the prepared images (>= 1).
        size_range (tuple): ``((h_min, h_max), (w_min, w_max))`` of the
            written images. Defaults to BUSI-like sizes (real BUSI images
            are about 190x335 to 948x704, most near 500x600).
        workdir (str, optional): Parent of the temporary folder.

    Returns:
        dict: ``images`` (pipeline calls), ``images_per_s`` (per worker),
        ``ms_per_image``, ``ms_per_transform`` (transform class -> ms per
        image, in pipeline order; ``get_data_info`` first), ``mean_size``
        (h, w of the files), ``output_size`` (h, w of the packed image).
    """
    if passes < 1:
        raise ValueError(
            f'bench_data_pipeline: passes={passes!r} must be >= 1.'
        )
    from mmcosa.datasets import BUSDataset

    pipeline = copy.deepcopy(Config.fromfile(dataset_cfg).train_pipeline)
    init_default_scope('mmseg')
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        root = _prepare(tmp, num_images, size_range)
        dataset = BUSDataset(root, split='all', pipeline=pipeline)
        transforms = dataset.pipeline.transforms
        names = ['get_data_info'] + [type(t).__name__ for t in transforms]
        spent = OrderedDict((f'{i}:{n}', 0.0) for i, n in enumerate(names))
        keys = list(spent)
        calls, hs, ws, out_size = 0, 0, 0, (0, 0)
        with _one_worker():
            for _ in range(passes):
                for idx in range(len(dataset)):
                    start = time.perf_counter()
                    results = dataset.get_data_info(idx)
                    spent[keys[0]] += time.perf_counter() - start
                    for key, transform in zip(keys[1:], transforms):
                        start = time.perf_counter()
                        results = transform(results)
                        spent[key] += time.perf_counter() - start
                        if key.endswith(':LoadImageFromFile'):
                            hs += results['ori_shape'][0]
                            ws += results['ori_shape'][1]
                    calls += 1
                    out_size = tuple(results['inputs'].shape[1:])
    total = sum(spent.values())
    per_transform = OrderedDict()
    for key, seconds in spent.items():
        name, base, count = key.split(':', 1)[1], key.split(':', 1)[1], 1
        while name in per_transform:  # e.g. the two RandomFlip steps
            count += 1
            name = f'{base} ({count})'
        per_transform[name] = 1e3 * seconds / calls
    return dict(
        images=calls,
        images_per_s=calls / total,
        ms_per_image=1e3 * total / calls,
        ms_per_transform=dict(per_transform),
        mean_size=(round(hs / calls), round(ws / calls)),
        output_size=out_size,
    )
