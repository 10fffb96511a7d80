"""init_model / inference_model on the tiny MTL-COSA model."""

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from PIL import Image

from mmcosa.apis import (
    BUSPrediction,
    ImageReadError,
    build_inference_pipeline,
    inference_model,
    init_model,
)

from .tiny_mtl import write_tiny_mtl_config


def test_init_model_loads_checkpoint(tiny_model):
    model, config, ckpt = tiny_model
    again = init_model(config, ckpt)
    for (name, a), b in zip(
        model.state_dict().items(), again.state_dict().values()
    ):
        assert torch.equal(a, b), name
    assert model.dataset_meta['cls_classes'] == ('benign', 'malignant')
    assert not model.training


def test_init_model_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='config file'):
        init_model(str(tmp_path / 'none.py'))
    config = write_tiny_mtl_config(str(tmp_path / 't.py'))
    with pytest.raises(FileNotFoundError, match='checkpoint'):
        init_model(config, str(tmp_path / 'none.pth'))
    with pytest.raises(TypeError, match='config must be'):
        init_model(3)


@pytest.mark.parametrize('shape', [(50, 70), (90, 40, 3), (64, 64, 4)])
def test_arrays_of_any_size_and_mode(tiny_model, shape):
    model = tiny_model[0]
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, shape, dtype=np.uint8)
    pred = inference_model(model, img)
    assert isinstance(pred, BUSPrediction)
    assert pred.img_path is None
    assert pred.image.shape == shape[:2] + (3,)
    assert pred.mask.shape == shape[:2] and pred.mask.dtype == np.uint8
    assert set(np.unique(pred.mask)) <= {0, 1}
    assert pred.probs.shape == (2,)
    assert pred.probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert pred.pred_label == int(np.argmax(pred.probs))
    assert pred.pred_class in ('benign', 'malignant')
    assert pred.malignancy == pytest.approx(float(pred.probs[1]))
    assert pred.tumour_area == int(pred.mask.sum())
    # COSA maps at the original size: one-hot background/tumour/margin
    assert pred.regions.shape == (3,) + shape[:2]
    np.testing.assert_allclose(pred.regions.sum(0), 1.0)
    assert pred.margin.shape == shape[:2]


def test_files_folder_and_bad_file(tiny_model, tmp_path):
    model = tiny_model[0]
    Image.new('L', (40, 30), 90).save(tmp_path / 'a.png')
    Image.new('RGBA', (70, 50), (10, 200, 30, 128)).save(tmp_path / 'b.png')
    single = inference_model(model, str(tmp_path / 'a.png'))
    assert single.mask.shape == (30, 40)
    assert single.img_path.endswith('a.png')
    batch = inference_model(model, str(tmp_path))
    assert [p.mask.shape for p in batch] == [(30, 40), (50, 70)]
    # the same image as a file and as an array gives the same prediction
    array = inference_model(model, np.full((30, 40), 90, np.uint8))
    np.testing.assert_allclose(array.probs, single.probs, atol=1e-6)
    (tmp_path / 'c.png').write_bytes(b'broken')
    with pytest.raises(ImageReadError, match='c.png'):
        inference_model(
            model, [str(tmp_path / 'a.png'), str(tmp_path / 'c.png')]
        )


def test_inference_pipeline_adds_resize_and_drops_loading(tiny_model):
    cfg = tiny_model[0].cfg.copy()
    cfg.test_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='PackBUSInputs'),
    ]
    steps = build_inference_pipeline(cfg).transforms
    names = [type(t).__name__ for t in steps]
    assert names == ['Resize', 'PackBUSInputs']
    assert steps[0].scale == (64, 64) and steps[1].require_label is False
    cfg.test_pipeline = [
        dict(type='Resize', scale=(32, 32)),
        dict(type='PackBUSInputs'),
    ]
    names = [
        type(t).__name__ for t in build_inference_pipeline(cfg).transforms
    ]
    assert names == ['Resize', 'PackBUSInputs']


def test_region_maps_are_the_predictions_pred_regions(tiny_model):
    model = tiny_model[0]
    img = np.random.default_rng(1).integers(0, 255, (50, 70, 3), np.uint8)
    pred = inference_model(model, img)
    data = dict(img=img[..., ::-1].copy(), ori_shape=(50, 70))
    data['img_shape'] = data['ori_shape']
    batch = pseudo_collate([build_inference_pipeline(model.cfg)(data)])
    with torch.no_grad():
        sample = model.test_step(batch)[0]
    np.testing.assert_array_equal(
        pred.regions, sample.pred_regions.data.numpy()
    )
    np.testing.assert_array_equal(pred.margin, pred.regions[2] > 0.5)


def test_model_without_cosa_has_no_region_maps(tiny_model):
    _, config, _ = tiny_model
    gap = init_model(
        config,
        cfg_options={'model.cls_neck': dict(_delete_=True, type='GAPNeck')},
    )
    pred = inference_model(gap, np.zeros((40, 30), np.uint8))
    assert pred.regions is None and pred.margin is None
    assert pred.probs.shape == (2,)
