"""Fixtures of the deployment tests: the tiny MTL-COSA, exported once."""

import pytest
import torch

from mmcosa.apis import init_model

from ..test_apis.tiny_mtl import save_random_checkpoint, write_tiny_mtl_config


@pytest.fixture(scope='session')
def tiny_job(tmp_path_factory):
    """``(config, checkpoint)`` of the untrained tiny MTL-COSA (64x64)."""
    root = tmp_path_factory.mktemp('tiny_deploy')
    config = write_tiny_mtl_config(str(root / 'tiny.py'))
    torch.manual_seed(0)  # the same weights on every run
    return config, save_random_checkpoint(config, str(root / 'tiny.pth'))


@pytest.fixture(scope='session')
def tiny_export(tiny_job, tmp_path_factory):
    """``(model, onnx file, metadata)``: the tiny model and its export."""
    from mmcosa.deployment import export_onnx

    config, ckpt = tiny_job
    torch.manual_seed(0)
    model = init_model(config, ckpt)
    out = str(tmp_path_factory.mktemp('onnx') / 'tiny.onnx')
    meta = export_onnx(model, out)
    return model, out, meta
