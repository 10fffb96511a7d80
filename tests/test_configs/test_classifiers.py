"""Tests of the mmpretrain glue in ``mmcosa.models.classifiers``."""

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmseg.structures import SegDataSample

import mmcosa  # noqa: F401
from mmcosa.models.backbones.resnet_with_stem import PretrainedWeightsError
from mmcosa.models.classifiers import (
    BUSImageClassifier,
    GreyClsDataPreprocessor,
)


def _resnet18_classifier(**backbone_kwargs) -> BUSImageClassifier:
    # _scope_ as in the configs: an earlier Runner in the same process may
    # have left 'mmseg' as the default scope.
    return MODELS.build(
        dict(
            _scope_='mmpretrain',
            type='BUSImageClassifier',
            backbone=dict(type='ResNet', depth=18, **backbone_kwargs),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=2, in_channels=512),
        )
    )


def _seg_samples(labels):
    samples = []
    for label in labels:
        sample = SegDataSample()
        sample.gt_label = torch.tensor([label])
        samples.append(sample)
    return samples


def test_predict_fills_seg_data_samples():
    torch.manual_seed(0)
    model = _resnet18_classifier().eval()
    inputs = torch.randn(3, 3, 32, 32)
    samples = _seg_samples([0, 1, 1])
    with torch.no_grad():
        out = model(inputs, samples, mode='predict')
        logits = model(inputs, mode='tensor')
    assert out[0] is samples[0] and isinstance(out[0], SegDataSample)
    expected = torch.softmax(logits, dim=1)
    for i, sample in enumerate(out):
        assert sample.pred_score.shape == (2,)
        assert torch.allclose(sample.pred_score, expected[i], atol=1e-6)
        assert sample.pred_label.shape == (1,)
        assert sample.pred_label.item() == expected[i].argmax().item()
        assert sample.gt_label.tolist() == [[0], [1], [1]][i]


def test_predict_keeps_mmpretrain_behaviour():
    model = _resnet18_classifier().eval()
    inputs = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        new = model(inputs, None, mode='predict')
        given = [DataSample().set_gt_label(1), DataSample().set_gt_label(0)]
        out = model(inputs, given, mode='predict')
    assert all(isinstance(s, DataSample) for s in new)
    assert out[1] is given[1]
    assert torch.allclose(new[0].pred_score, out[0].pred_score)
    assert out[0].pred_score.sum().item() == pytest.approx(1.0, abs=1e-5)


def test_loss_reads_gt_label_of_seg_data_samples():
    torch.manual_seed(0)
    model = _resnet18_classifier()
    losses = model(
        torch.randn(2, 3, 32, 32), _seg_samples([0, 1]), mode='loss'
    )
    assert set(losses) == {'loss'}
    assert torch.isfinite(losses['loss']) and losses['loss'].item() > 0


def test_init_weights_explains_missing_checkpoint(tmp_path):
    missing = str(tmp_path / 'no_such_weights.pth')
    model = _resnet18_classifier(
        init_cfg=dict(type='Pretrained', checkpoint=missing)
    )
    with pytest.raises(
        PretrainedWeightsError, match='train from scratch'
    ) as info:
        model.init_weights()
    assert 'no_such_weights.pth' in str(info.value)
    assert 'model.backbone.init_cfg=None' in str(info.value)


def test_init_weights_loads_local_checkpoint(tmp_path):
    source = _resnet18_classifier().backbone
    with torch.no_grad():
        source.conv1.weight.fill_(0.25)
    path = tmp_path / 'r18.pth'
    torch.save(source.state_dict(), path)
    model = _resnet18_classifier(
        init_cfg=dict(type='Pretrained', checkpoint=str(path))
    )
    model.init_weights()
    assert torch.all(model.backbone.conv1.weight == 0.25)
    assert torch.equal(
        model.backbone.layer4[1].conv2.weight, source.layer4[1].conv2.weight
    )


def test_init_weights_without_pretrained():
    model = _resnet18_classifier()
    model.init_weights()
    assert model.is_init


def test_grey_preprocessor_on_replicated_grey():
    pre = GreyClsDataPreprocessor(mean=100.0, std=50.0)
    grey = torch.tensor([[0, 100], [200, 255]], dtype=torch.uint8)
    img = grey.expand(3, 2, 2).clone()
    out = pre(dict(inputs=[img, img], data_samples=None))
    assert out['inputs'].shape == (2, 1, 2, 2)
    expected = (grey.float() - 100.0) / 50.0
    assert torch.allclose(out['inputs'][1, 0], expected, atol=1e-5)


def test_grey_preprocessor_luma_weights_in_bgr_order():
    pre = GreyClsDataPreprocessor(mean=0.0, std=1.0)
    # mmcv loads BGR: b=10, g=20, r=30.
    img = torch.tensor([10, 20, 30], dtype=torch.uint8).view(3, 1, 1)
    out = pre(dict(inputs=[img], data_samples=None))
    expected = 0.299 * 30 + 0.587 * 20 + 0.114 * 10
    assert out['inputs'].item() == pytest.approx(expected, abs=1e-4)


def test_grey_preprocessor_one_channel_only_normalised():
    pre = GreyClsDataPreprocessor(mean=1.0, std=2.0)
    img = torch.full((1, 3, 4), 7, dtype=torch.uint8)
    out = pre(dict(inputs=[img], data_samples=None))
    assert out['inputs'].shape == (1, 1, 3, 4)
    assert torch.all(out['inputs'] == 3.0)


def test_grey_preprocessor_rejects_two_channels():
    pre = GreyClsDataPreprocessor()
    img = torch.zeros(2, 4, 4, dtype=torch.uint8)
    with pytest.raises(ValueError, match='got 2 channels'):
        pre(dict(inputs=[img], data_samples=None))


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(std=0.0), 'std=0.0 must be positive'),
        (dict(weights=(0.5, 0.5)), 'must be three numbers'),
    ],
)
def test_grey_preprocessor_checks_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GreyClsDataPreprocessor(**kwargs)
