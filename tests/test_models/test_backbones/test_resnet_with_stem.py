import urllib.error

import pytest
import torch
import torchvision
from mmengine.runner.checkpoint import CheckpointLoader

from mmcosa.models import PretrainedWeightsError, ResNetWithStem


@pytest.mark.parametrize('batch', [1, 3])
@pytest.mark.parametrize('size', [(256, 256), (97, 131)])
def test_output_shapes_r18(batch, size):
    model = ResNetWithStem(depth=18).eval()
    h, w = size
    with torch.no_grad():
        feats = model(torch.randn(batch, 3, h, w))
    assert len(feats) == 5
    for k, (feat, ch) in enumerate(zip(feats, [64, 64, 128, 256, 512])):
        stride = 2 ** (k + 1)
        expected = (batch, ch, -(-h // stride), -(-w // stride))
        assert tuple(feat.shape) == expected


def test_c1_is_stem_before_maxpool():
    model = ResNetWithStem(depth=18, out_indices=(0, 1)).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        c1, c2 = model(x)
        stem = model.relu(model.bn1(model.conv1(x)))
    assert torch.equal(c1, stem)
    assert c2.shape[2:] == (16, 16)


def test_channels_bottleneck():
    assert ResNetWithStem(depth=50).out_channels == [64, 256, 512, 1024, 2048]
    assert ResNetWithStem(depth=18, out_indices=(4,)).out_channels == [512]


def test_state_dict_keys_are_torchvision():
    ours = set(ResNetWithStem(depth=18).state_dict())
    theirs = set(torchvision.models.resnet18().state_dict())
    assert ours == theirs - {'fc.weight', 'fc.bias'}


def test_loads_local_torchvision_checkpoint(tmp_path):
    torch.manual_seed(1)
    reference = torchvision.models.resnet18()
    path = tmp_path / 'resnet18.pth'
    torch.save(reference.state_dict(), path)
    model = ResNetWithStem(
        depth=18, init_cfg=dict(type='Pretrained', checkpoint=str(path))
    )
    model.init_weights()
    assert torch.equal(
        model.layer3[1].conv2.weight, reference.layer3[1].conv2.weight
    )
    assert torch.equal(model.bn1.running_var, reference.bn1.running_var)


def test_loads_with_prefix(tmp_path):
    reference = ResNetWithStem(depth=18)
    path = tmp_path / 'segmentor.pth'
    state = {f'backbone.{k}': v for k, v in reference.state_dict().items()}
    torch.save(dict(state_dict=state), path)
    model = ResNetWithStem(
        depth=18,
        init_cfg=dict(
            type='Pretrained', checkpoint=str(path), prefix='backbone'
        ),
    )
    model.init_weights()
    assert torch.equal(model.conv1.weight, reference.conv1.weight)


def test_failed_download_gives_clear_error(monkeypatch):
    calls = []

    def offline(filename, map_location=None):
        calls.append(filename)
        raise urllib.error.URLError('Name or service not known')

    monkeypatch.setitem(CheckpointLoader._schemes, 'torchvision://', offline)
    model = ResNetWithStem(
        depth=18,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101'),
    )
    with pytest.raises(
        PretrainedWeightsError, match='model.backbone.init_cfg=None'
    ) as info:
        model.init_weights()
    assert calls == ['torchvision://resnet101']
    message = str(info.value)
    assert 'model.backbone.init_cfg.checkpoint=/path/resnet101.pth' in message
    assert 'Name or service not known' in message
    # The download's own stack is not chained onto the message.
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_local_file_gives_clear_error(tmp_path):
    path = str(tmp_path / 'nope.pth')
    model = ResNetWithStem(
        depth=18, init_cfg=dict(type='Pretrained', checkpoint=path)
    )
    with pytest.raises(PretrainedWeightsError, match='nope.pth'):
        model.init_weights()


def test_frozen_stages_and_norm_eval():
    model = ResNetWithStem(depth=18, frozen_stages=1, norm_eval=True)
    model.train()
    assert not model.conv1.weight.requires_grad
    assert not any(p.requires_grad for p in model.layer1.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert not model.bn1.training and not model.layer1[0].bn1.training
    assert not model.layer4[0].bn1.training  # norm_eval
    unfrozen = ResNetWithStem(depth=18).train()
    assert unfrozen.layer4[0].bn1.training


def test_bad_arguments():
    with pytest.raises(ValueError, match='depth=42'):
        ResNetWithStem(depth=42)
    with pytest.raises(ValueError, match='out_indices'):
        ResNetWithStem(depth=18, out_indices=(5,))
    with pytest.raises(ValueError, match='frozen_stages=7'):
        ResNetWithStem(depth=18, frozen_stages=7)
    with pytest.raises(TypeError, match='init_cfg'):
        ResNetWithStem(depth=18, init_cfg='torchvision://resnet18')
