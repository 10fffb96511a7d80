import pytest
import torch

from mmcosa.models import GAPNeck, SANeck


@pytest.mark.parametrize('batch', [1, 3])
@pytest.mark.parametrize('grid', [(8, 8), (4, 5)])
def test_gap_neck(batch, grid):
    feat = torch.randn(batch, 32, *grid)
    out = GAPNeck()(feat, torch.randn(batch, 2, 32 * grid[0], 32 * grid[1]))
    assert torch.allclose(out, feat.mean(dim=(2, 3)))
    assert not list(GAPNeck().parameters())


@pytest.mark.parametrize('batch', [1, 3])
@pytest.mark.parametrize('grid', [(8, 8), (4, 5)])
def test_sa_neck(batch, grid):
    neck = SANeck(in_channels=32)
    feat = torch.randn(batch, 32, *grid)
    # gamma = 0 at initialisation: GAP(C5).
    assert torch.allclose(neck(feat), feat.mean(dim=(2, 3)), atol=1e-6)
    neck.attention.gamma.data.fill_(1.0)
    out = neck(feat)
    assert out.shape == (batch, 32)
    assert not torch.allclose(out, feat.mean(dim=(2, 3)))


def test_sa_neck_parameters():
    assert sum(p.numel() for p in SANeck().parameters()) == (
        2 * (2048 * 256 + 256) + 1
    )
