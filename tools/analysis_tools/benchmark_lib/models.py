"""Build the benchmarked models from the configs that users run."""

import copy
import logging
import os.path as osp
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

__all__ = [
    'CLASSIFIER',
    'MODEL_CONFIGS',
    'SEGMENTORS',
    'build_model',
    'default_config_dir',
]

#: Name -> config file (relative to the config folder) whose ``model`` is
#: built. The segmentors first, then the single-task classifier.
MODEL_CONFIGS: Dict[str, str] = {
    'UResNet': '_base_/models/uresnet_r101.py',
    'MTL': '_base_/models/mtl_r101.py',
    'MTL-SA': '_base_/models/mtl_sa_r101.py',
    'MTL-COSA': '_base_/models/mtl_cosa_r101.py',
    'ResNet-101 cls': 'resnet101_busi.py',
}
SEGMENTORS: Tuple[str, ...] = ('UResNet', 'MTL', 'MTL-SA', 'MTL-COSA')
CLASSIFIER = 'ResNet-101 cls'

#: C1..C5 channels of ResNetWithStem per depth.
_BASIC_CHANNELS = [64, 64, 128, 256, 512]
_BOTTLENECK_CHANNELS = [64, 256, 512, 1024, 2048]


def default_config_dir() -> str:
    """The ``configs/`` folder of the checkout this tool lives in
    (``<repo>/tools/analysis_tools/benchmark_lib/models.py`` ->
    ``<repo>``)."""
    return str(Path(__file__).resolve().parents[3] / 'configs')


def _channels(depth: int) -> list:
    """C1..C5 channels of a ResNet of ``depth``."""
    if depth not in (18, 34, 50, 101, 152):
        raise ValueError(
            f'depth={depth!r} is not a ResNet depth; use 18, 34, 50, '
            '101 or 152.'
        )
    return list(_BASIC_CHANNELS if depth < 50 else _BOTTLENECK_CHANNELS)


def _segmentor_cfg(model: dict, depth: int, size: Tuple[int, int]) -> dict:
    """Segmentor dict at ``depth`` and input ``size``, from scratch."""
    chans = _channels(depth)
    model['backbone'].update(depth=depth, init_cfg=None)
    model['decode_head']['in_channels'] = chans
    model['data_preprocessor']['size'] = size
    if 'cls_neck' in model:
        if 'in_channels' in model['cls_neck']:
            model['cls_neck']['in_channels'] = chans[-1]
        model['cls_head']['in_channels'] = chans[-1]
    return model


def _classifier_cfg(model: dict, depth: int) -> dict:
    """mmpretrain classifier dict at ``depth``, from scratch."""
    model['backbone'].update(depth=depth, init_cfg=None)
    model['head']['in_channels'] = _channels(depth)[-1]
    return model


def build_model(
    name: str,
    depth: int = 101,
    size: Tuple[int, int] = (256, 256),
    device: Union[str, torch.device] = 'cpu',
    channels_last: bool = False,
    config_dir: Optional[str] = None,
) -> nn.Module:
    """Build one benchmarked model as its config builds it.

    The ``model`` of the config (``MODEL_CONFIGS[name]``) is built with
    random weights (no download), the backbone depth and the input size
    replaced, on ``device``.

    Args:
        name (str): A key of :data:`MODEL_CONFIGS`.
        depth (int): ResNet depth. Defaults to 101 (the paper).
        size (tuple[int, int]): Input (h, w). Defaults to (256, 256).
        device (str | torch.device): Where to put the model.
        channels_last (bool): Convert the weights to channels-last.
        config_dir (str, optional): The ``configs/`` folder. Defaults to
            the one of the mmcosa source tree.

    Returns:
        nn.Module: The model, in training mode.
    """
    if name not in MODEL_CONFIGS:
        raise ValueError(
            f'build_model: name={name!r} is not one of {list(MODEL_CONFIGS)}.'
        )
    config_dir = config_dir or default_config_dir()
    path = osp.join(config_dir, MODEL_CONFIGS[name])
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'build_model: config {path} not found; pass the configs/ '
            'folder of the mmcosa source tree (--config-dir).'
        )
    model = copy.deepcopy(Config.fromfile(path).model)
    if name == CLASSIFIER:
        model = _classifier_cfg(model, depth)
    else:
        model = _segmentor_cfg(model, depth, tuple(size))
    init_default_scope('mmseg')
    net = MODELS.build(model)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights logs every tensor
    try:
        net.init_weights()
    finally:
        logger.setLevel(level)
    net = net.to(device)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    return net.train()
