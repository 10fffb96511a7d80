"""ONNX export: graph, metadata, dynamic batch, parity and refusals."""

import numpy as np
import onnx
import pytest
from mmengine.config import Config

from mmcosa.deployment import (
    ExportError,
    OnnxRunner,
    ParityError,
    check_exportable,
    check_parity,
    phantom_images,
    preprocess_spec,
)
from mmcosa.deployment.onnx_runner import preprocess


def test_metadata_holds_the_config_preprocessing(tiny_export):
    model, path, meta = tiny_export
    spec = meta['preprocess']
    assert spec['input_size'] == [64, 64]
    assert spec['steps'] == [
        dict(
            type='resize',
            size=[64, 64],
            keep_ratio=False,
            interpolation='bilinear',
        )
    ]
    assert spec['mean'] == [123.675, 116.28, 103.53]
    assert spec['std'] == [58.395, 57.12, 57.375]
    assert spec['to_rgb'] is True
    assert meta['outputs'] == ['seg_logits', 'probs', 'regions']
    assert meta['classes'] == ['benign', 'malignant']
    runner = OnnxRunner(path)
    assert runner.meta == meta  # read back from the file
    graph = onnx.load(path).graph
    batch = graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param == 'batch'  # dynamic batch


def test_dynamic_batch_matches_single_images(tiny_export):
    _, path, meta = tiny_export
    runner = OnnxRunner(path)
    xs = np.stack(
        [preprocess(img, meta['preprocess'])[0] for img in phantom_images(3)]
    )
    together = runner.run_batch(xs)
    for i in range(3):
        alone = runner.run_batch(xs[i : i + 1])
        for name in ('seg_logits', 'probs', 'regions'):
            np.testing.assert_allclose(
                together[name][i], alone[name][0], rtol=1e-4, atol=1e-4
            )


def test_parity_with_pytorch_on_phantom_images(tiny_export):
    model, path, _ = tiny_export
    figures = check_parity(model, OnnxRunner(path))
    assert figures['num_images'] == 8
    assert figures['iou'] >= 0.999
    assert figures['max_prob_diff'] <= 1e-4
    assert figures['region_agreement'] >= 0.999


def test_parity_fails_when_a_layer_is_perturbed(tiny_export, tmp_path):
    model, path, _ = tiny_export
    proto = onnx.load(path)
    # The class head's last linear layer: scaling it moves p(malignant).
    weights = [t for t in proto.graph.initializer if 'cls_head' in t.name]
    assert weights
    target = max(weights, key=lambda t: np.prod(t.dims))
    values = onnx.numpy_helper.to_array(target) * 3.0 + 0.05
    target.CopyFrom(onnx.numpy_helper.from_array(values, target.name))
    bad = str(tmp_path / 'perturbed.onnx')
    onnx.save(proto, bad)
    with pytest.raises(ParityError, match=r'max \|p diff\|'):
        check_parity(model, OnnxRunner(bad))


def test_slide_and_tta_are_refused(tiny_job):
    cfg = Config.fromfile(tiny_job[0])
    cfg.model.test_cfg = dict(mode='slide', crop_size=(32, 32), stride=16)
    with pytest.raises(ExportError, match='sliding-window.*mode=whole'):
        check_exportable(cfg)
    cfg.model = dict(type='MultiTaskTTAModel', module=cfg.model)
    with pytest.raises(ExportError, match='test-time-augmentation'):
        check_exportable(cfg)


def test_unsupported_pipeline_step_is_named(tiny_job):
    cfg = Config.fromfile(tiny_job[0])
    cfg.test_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='CLAHE'),
        dict(type='Resize', scale=(64, 64)),
        dict(type='PackBUSInputs'),
    ]
    with pytest.raises(ExportError, match="'CLAHE'"):
        preprocess_spec(cfg)


def test_keep_ratio_preprocessing_matches_the_mmseg_pipeline(tiny_job):
    """The runner's resize + pad + normalise equal the pipeline's."""
    from mmengine.dataset import Compose
    from mmseg.registry import MODELS

    import mmcosa  # noqa: F401

    cfg = Config.fromfile(tiny_job[0])
    cfg.test_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(64, 64), keep_ratio=True),
        dict(type='PadToSize', size=(64, 64)),
        dict(type='LoadAnnotations'),
        dict(
            type='PackBUSInputs',
            require_label=False,
            meta_keys=('img_shape', 'ori_shape', 'padding_size'),
        ),
    ]
    spec = preprocess_spec(cfg)
    assert [s['type'] for s in spec['steps']] == ['resize', 'pad']
    img = phantom_images(1, sizes=((97, 150),))[0]
    x, (h, w) = preprocess(img, spec)
    assert (h, w) == (41, 64)  # 97 * 64 / 150 rounded, as mmcv's rescale
    pipeline = Compose(
        [
            dict(t)
            for t in cfg.test_pipeline
            if t['type'] not in ('LoadImageFromFile', 'LoadAnnotations')
        ]
    )
    data = pipeline(
        dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
    )
    pre = MODELS.build(cfg.model.data_preprocessor)
    batch = pre(
        dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
        False,
    )
    np.testing.assert_allclose(
        x, batch['inputs'][0].numpy(), rtol=0, atol=1e-4
    )
