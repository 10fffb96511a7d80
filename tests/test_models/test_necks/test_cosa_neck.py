import numpy as np
import pytest
import torch
from scipy import ndimage

from mmcosa.models import COSANeck


def logits_from_mask(mask):
    """Two-class logits (N, 2, H, W) whose argmax is ``mask`` (N, H, W)."""
    mask = mask.float()
    return torch.stack([1 - mask, mask], dim=1) * 4 - 2


def square_mask(h, w, top, bottom, left, right):
    mask = torch.zeros(1, h, w)
    mask[:, top : bottom + 1, left : right + 1] = 1
    return mask


def test_regions_binary_disjoint_sum_to_one():
    neck = COSANeck(in_channels=16)
    torch.manual_seed(0)
    regions = neck.split_regions(torch.randn(3, 2, 48, 40))
    assert regions.shape == (3, 3, 48, 40)
    assert set(regions.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(regions.sum(dim=1), torch.ones(3, 48, 40))
    x, y, z = regions.unbind(dim=1)
    assert not (x * y).any() and not (y * z).any() and not (x * z).any()


def test_square_mask_gives_expected_ring():
    h, w, top, bottom, left, right = 64, 72, 20, 39, 24, 50
    mask = square_mask(h, w, top, bottom, left, right)
    regions = COSANeck(in_channels=16).split_regions(logits_from_mask(mask))
    background, tumour, margin = regions[0].bool().numpy()
    # Independent: scipy's Sobel and a 5x5 binary dilation.
    m = mask[0].numpy()
    edge = (ndimage.sobel(m, axis=0) != 0) | (ndimage.sobel(m, axis=1) != 0)
    ring = ndimage.binary_dilation(edge, structure=np.ones((5, 5)))
    np.testing.assert_array_equal(margin, ring)
    np.testing.assert_array_equal(tumour, m.astype(bool) & ~ring)
    # By hand: the 2-px Sobel band dilated by 2 px on each side is the
    # square grown by 3 px minus the square shrunk by 3 px.
    outer = square_mask(h, w, top - 3, bottom + 3, left - 3, right + 3)
    inner = square_mask(h, w, top + 3, bottom - 3, left + 3, right - 3)
    np.testing.assert_array_equal(margin, (outer - inner)[0].bool().numpy())
    np.testing.assert_array_equal(tumour, inner[0].bool().numpy())
    np.testing.assert_array_equal(background, ~outer[0].bool().numpy())


def test_empty_mask_is_all_background():
    neck = COSANeck(in_channels=16)
    logits = logits_from_mask(torch.zeros(2, 32, 32))
    regions = neck.split_regions(logits)
    assert torch.equal(regions[:, 0], torch.ones(2, 32, 32))
    assert not regions[:, 1:].any()
    out = neck(torch.randn(2, 16, 4, 4), logits)
    assert out.shape == (2, 16) and torch.isfinite(out).all()


def test_full_mask_has_no_margin_at_the_border():
    neck = COSANeck(in_channels=16)
    regions = neck.split_regions(logits_from_mask(torch.ones(1, 32, 32)))
    assert torch.equal(regions[0, 1], torch.ones(32, 32))


def test_single_channel_logits_threshold_at_zero():
    neck = COSANeck(in_channels=16)
    mask = square_mask(32, 32, 8, 23, 8, 23)
    one = neck.split_regions((mask * 2 - 1).unsqueeze(1))
    two = neck.split_regions(logits_from_mask(mask))
    assert torch.equal(one, two)


def test_area_resize_keeps_the_thin_ring_nearest_loses_it():
    # At 256 -> 8x8, nearest samples rows/cols 0, 32, ..., 224; the ring
    # of this square (rows/cols 37-42 and 197-202) falls between samples.
    logits = logits_from_mask(square_mask(256, 256, 40, 199, 40, 199))
    area = COSANeck(in_channels=16, resize_mode='area')
    nearest = COSANeck(in_channels=16, resize_mode='nearest')
    regions = area.split_regions(logits)
    grid_area = area.resize_regions(regions, (8, 8))
    grid_nearest = nearest.resize_regions(regions, (8, 8))
    assert grid_area[:, 2].sum() > 0
    assert grid_nearest[:, 2].sum() == 0
    # Area resizing keeps the maps summing to 1 and the ring's mass.
    assert torch.allclose(grid_area.sum(dim=1), torch.ones(1, 8, 8))
    assert torch.isclose(grid_area[:, 2].sum() * 32 * 32, regions[:, 2].sum())


@pytest.mark.parametrize('fusion', ['weighted_sum', 'conv'])
@pytest.mark.parametrize('batch', [1, 3])
@pytest.mark.parametrize('size', [(256, 256), (97, 131)])
def test_output_shapes_and_region_maps(fusion, batch, size):
    neck = COSANeck(in_channels=32, fusion=fusion).eval()
    h, w = size
    grid = (-(-h // 32), -(-w // 32))
    feat, logits = torch.randn(batch, 32, *grid), torch.randn(batch, 2, h, w)
    with torch.no_grad():
        out = neck(feat, logits)
        again, regions = neck(feat, logits, return_regions=True)
    assert out.shape == (batch, 32)
    # The region maps are returned at the logits' size, and asking for
    # them changes nothing of the feature vector.
    assert torch.equal(again, out)
    assert regions.shape == (batch, 3, h, w) and not regions.requires_grad
    assert torch.equal(regions, neck.split_regions(logits))
    assert neck.resize_regions(regions, grid).shape == (batch, 3, *grid)


def test_a_call_leaves_no_state_on_the_neck():
    neck = COSANeck(in_channels=16).eval()
    before = dict(vars(neck))
    with torch.no_grad():
        neck(torch.randn(2, 16, 2, 2), torch.randn(2, 2, 64, 64), True)
    assert vars(neck).keys() == before.keys()
    assert all(vars(neck)[k] is v for k, v in before.items())
    assert COSANeck.returns_regions is True


def test_no_gradient_through_the_mask():
    neck = COSANeck(in_channels=16)
    logits = torch.randn(2, 2, 32, 32, requires_grad=True)
    feat = torch.randn(2, 16, 1, 1, requires_grad=True)
    neck(feat, logits).sum().backward()
    assert logits.grad is None
    assert feat.grad is not None


def test_weighted_sum_starts_as_mean_of_regional_gap():
    neck = COSANeck(in_channels=16).eval()
    torch.manual_seed(0)
    feat, logits = torch.randn(2, 16, 4, 4), torch.randn(2, 2, 128, 128)
    with torch.no_grad():
        out = neck(feat, logits)
    grid = torch.nn.functional.adaptive_avg_pool2d(
        neck.split_regions(logits), (4, 4)
    )
    # gamma = 0: S_r = r * C5; the 1x1 fusion starts at weights 1/3.
    expected = torch.stack(
        [(grid[:, r : r + 1] * feat).mean(dim=(2, 3)) for r in range(3)]
    ).mean(dim=0)
    assert torch.allclose(out, expected, atol=1e-6)
    assert sum(p.numel() for p in neck.fuse.parameters()) == 4


def test_conv_fusion_trains_with_batch_of_one():
    neck = COSANeck(in_channels=16, fusion='conv').train()
    out = neck(torch.randn(1, 16, 2, 2), torch.randn(1, 2, 64, 64))
    assert out.shape == (1, 16) and torch.isfinite(out).all()


def test_parameter_counts_at_2048():
    def count(module):
        return sum(p.numel() for p in module.parameters())

    attention = 3 * (2 * (2048 * 256 + 256) + 1)
    assert count(COSANeck()) == attention + 3 + 1
    # RMTL's fusion: 1x1 conv 6144 -> 2048 with bias + BN(2048).
    assert count(COSANeck(fusion='conv')) == (
        attention + 6144 * 2048 + 2048 + 2 * 2048
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="fusion='mean'"):
        COSANeck(fusion='mean')
    with pytest.raises(ValueError, match="resize_mode='max'"):
        COSANeck(resize_mode='max')
    with pytest.raises(ValueError, match='dilation_size=4'):
        COSANeck(dilation_size=4)
    with pytest.raises(ValueError, match='tumour_index=-1'):
        COSANeck(tumour_index=-1)


@pytest.mark.parametrize('tumour_index', [0, 1, 2])
def test_tumour_mask_equals_argmax_with_ties(tumour_index):
    torch.manual_seed(0)
    logits = torch.randint(0, 3, (2, 3, 16, 16)).float()  # many ties
    neck = COSANeck(in_channels=16, tumour_index=tumour_index)
    expected = logits.argmax(dim=1, keepdim=True) == tumour_index
    assert torch.equal(neck._tumour_mask(logits), expected)


def test_tumour_index_beyond_the_classes():
    neck = COSANeck(in_channels=16, tumour_index=2)
    with pytest.raises(ValueError, match='tumour_index=2 but the'):
        neck.split_regions(torch.randn(1, 2, 8, 8))
