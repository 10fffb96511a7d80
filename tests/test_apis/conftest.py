"""Fixtures of the apis tests."""

import pytest
import torch

from mmcosa.apis import init_model

from .tiny_mtl import save_random_checkpoint, write_tiny_mtl_config


@pytest.fixture(scope='session')
def tiny_model(tmp_path_factory):
    """``(model, config, checkpoint)``: the untrained tiny MTL-COSA."""
    root = tmp_path_factory.mktemp('tiny_mtl')
    config = write_tiny_mtl_config(str(root / 'tiny.py'))
    ckpt = save_random_checkpoint(config, str(root / 'tiny.pth'))
    torch.manual_seed(0)
    return init_model(config, ckpt), config, ckpt
