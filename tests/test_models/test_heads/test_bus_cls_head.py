import pytest
import torch
import torch.nn.functional as F

from mmcosa.models import BUSClsHead

from ..conftest import make_samples


@pytest.mark.parametrize('batch', [1, 3])
def test_forward_and_predict_shapes(batch):
    head = BUSClsHead(in_channels=32, num_classes=2).eval()
    logits = head(torch.randn(batch, 32))
    assert logits.shape == (batch, 2)
    scores = head.predict(torch.randn(batch, 32))
    assert scores.shape == (batch, 2)
    assert torch.allclose(scores.sum(dim=1), torch.ones(batch))


def test_mtl_head_has_4098_parameters():
    head = BUSClsHead(in_channels=2048, num_classes=2)
    assert sum(p.numel() for p in head.parameters()) == 4098


def test_loss_is_weighted_cross_entropy():
    head = BUSClsHead(
        in_channels=8, loss_cls=dict(type='CrossEntropyLoss', loss_weight=0.2)
    )
    samples = make_samples(3, 8, 8)  # labels 0, 1, 0
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    losses = head.loss_by_feat(logits, samples)
    expected = 0.2 * F.cross_entropy(logits, torch.tensor([0, 1, 0]))
    assert set(losses) == {'loss_ce', 'acc'}
    assert torch.allclose(losses['loss_ce'], expected)
    assert torch.isclose(losses['acc'], torch.tensor(200 / 3))


def test_dropout_active_only_in_training():
    head = BUSClsHead(in_channels=64, dropout_ratio=0.5)
    feats = torch.ones(4, 64)
    head.eval()
    assert torch.equal(head(feats), head.fc(feats))
    head.train()
    torch.manual_seed(0)
    assert not torch.equal(head(feats), head.fc(feats))


def test_missing_label_is_reported():
    samples = make_samples(2, 8, 8)
    del samples[1].gt_label
    head = BUSClsHead(in_channels=8)
    with pytest.raises(KeyError, match=r'\[1\] carry no gt_label'):
        head.loss(torch.randn(2, 8), samples)


def test_bad_arguments():
    with pytest.raises(ValueError, match='num_classes=1'):
        BUSClsHead(num_classes=1)
    with pytest.raises(ValueError, match='dropout_ratio=1.0'):
        BUSClsHead(dropout_ratio=1.0)
    with pytest.raises(ValueError, match='in_channels=0'):
        BUSClsHead(in_channels=0)
