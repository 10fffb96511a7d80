import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcosa.models import UResNetHead

from ..conftest import R18_CHANNELS, make_samples

R101_CHANNELS = [64, 256, 512, 1024, 2048]


def fake_feats(batch, h, w, channels=R18_CHANNELS):
    """Random C1..C5 with the backbone's ceil-division sizes."""
    return [
        torch.randn(batch, ch, -(-h // 2 ** (k + 1)), -(-w // 2 ** (k + 1)))
        for k, ch in enumerate(channels)
    ]


def tiny_head(**kwargs):
    kwargs.setdefault('norm_cfg', dict(type='BN'))
    return UResNetHead(
        in_channels=R18_CHANNELS, channels=64, num_classes=2, **kwargs
    )


@pytest.mark.parametrize('upsample', ['bilinear', 'deconv'])
@pytest.mark.parametrize('batch', [1, 3])
@pytest.mark.parametrize('size', [(256, 256), (97, 131)])
def test_output_shapes(upsample, batch, size):
    head = tiny_head(upsample=upsample).eval()
    h, w = size
    with torch.no_grad():
        out = head(fake_feats(batch, h, w))
    # Twice the C1 grid: the input size for even sizes, +1 px for odd.
    assert tuple(out.shape) == (batch, 2, 2 * -(-h // 2), 2 * -(-w // 2))


def test_parameter_count_r101_matches_layer_sum():
    head = UResNetHead(
        in_channels=R101_CHANNELS,
        channels=64,
        num_classes=2,
        norm_cfg=dict(type='BN'),
    )

    def conv_bn(cin, cout, k):  # conv without bias + BN weight and bias
        return cin * cout * k * k + 2 * cout

    expected = (
        conv_bn(2048 + 1024, 1024, 3)
        + conv_bn(1024, 1024, 3)
        + conv_bn(1024 + 512, 512, 3)
        + conv_bn(512, 512, 3)
        + conv_bn(512 + 256, 256, 3)
        + conv_bn(256, 256, 3)
        + conv_bn(256 + 64, 64, 3)
        + conv_bn(64, 64, 1)
        + (64 * 2 * 9 + 2)
    )  # final 3x3 conv with bias
    assert sum(p.numel() for p in head.parameters()) == expected
    assert isinstance(head.conv_seg, nn.Conv2d)
    assert head.conv_seg.kernel_size == (3, 3)


def test_deconv_adds_transposed_convs():
    bilinear = sum(p.numel() for p in tiny_head().parameters())
    deconv = sum(p.numel() for p in tiny_head(upsample='deconv').parameters())
    # ConvTranspose2d(c, c, 2): 4 c^2 + c, for c = C5, U4, U3, U2 widths.
    assert deconv - bilinear == sum(4 * c * c + c for c in (512, 256, 128, 64))


def test_loss_key_and_weight():
    torch.manual_seed(0)
    head = tiny_head(
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.8)
    )
    samples = make_samples(2, 64, 64)
    logits = head(fake_feats(2, 64, 64))
    losses = head.loss_by_feat(logits, samples)
    target = torch.cat([s.gt_sem_seg.data for s in samples])
    expected = 0.8 * F.cross_entropy(logits, target)
    assert set(losses) == {'loss_ce', 'acc_seg'}
    assert torch.allclose(losses['loss_ce'], expected)


def test_bad_arguments():
    with pytest.raises(ValueError, match="upsample='nearest'"):
        tiny_head(upsample='nearest')
    with pytest.raises(ValueError, match='five backbone channels'):
        UResNetHead(in_channels=[64, 128], channels=64, num_classes=2)
    with pytest.raises(ValueError, match='multiple_select'):
        tiny_head(input_transform='resize_concat')
