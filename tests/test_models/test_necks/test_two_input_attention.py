import pytest
import torch

from mmcosa.models import TwoInputSelfAttention


def test_gamma_zero_returns_region():
    block = TwoInputSelfAttention(16, reduction=4)
    region, context = torch.randn(2, 16, 3, 5), torch.randn(2, 16, 3, 5)
    assert torch.equal(block(region, context), region)


def test_matches_naive_masked_attention():
    torch.manual_seed(0)
    block = TwoInputSelfAttention(16, reduction=4)
    block.gamma.data.fill_(0.7)
    context = torch.randn(2, 16, 3, 4)
    region_map = (torch.rand(2, 1, 3, 4) > 0.5).float()
    region_map[:, :, 0, 0] = 1  # at least one position in the region
    region = region_map * context
    with torch.no_grad():
        out = block(region, context, region_map)
        q = block.query_conv(context).flatten(2)  # (N, 4, 12)
        k = block.key_conv(region).flatten(2)
        energy = torch.einsum('nci,ncj->nij', q, k)
        energy = energy.masked_fill(region_map.flatten(2) == 0, -torch.inf)
        attn = energy.softmax(dim=-1)  # over keys of the region only
        v = region.flatten(2)
        expected = torch.einsum('ncj,nij->nci', v, attn).reshape(2, 16, 3, 4)
        expected = 0.7 * expected + region
    assert torch.allclose(out, expected, atol=1e-4)


def test_empty_region_gives_zero_not_nan():
    block = TwoInputSelfAttention(16, reduction=4)
    block.gamma.data.fill_(1.0)
    out = block(
        torch.zeros(1, 16, 2, 2),
        torch.randn(1, 16, 2, 2),
        torch.zeros(1, 1, 2, 2),
    )
    assert torch.equal(out, torch.zeros(1, 16, 2, 2))


def test_parameters():
    assert (
        sum(p.numel() for p in TwoInputSelfAttention(2048).parameters())
        == 2 * (2048 * 256 + 256) + 1
    )
    with_value = TwoInputSelfAttention(64, with_value=True)
    assert sum(p.numel() for p in with_value.parameters()) == (
        2 * (64 * 8 + 8) + 64 * 64 + 64 + 1
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match='in_channels=10'):
        TwoInputSelfAttention(10, reduction=8)
