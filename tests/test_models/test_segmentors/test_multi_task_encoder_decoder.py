import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.optim import OptimWrapper
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from ..conftest import tiny_model_cfg

ALL_KEYS = {'decode.loss_ce', 'decode.acc_seg', 'cls.loss_ce', 'cls.acc'}


@pytest.mark.parametrize('neck', ['COSANeck', 'GAPNeck', 'SANeck'])
def test_loss_keys(build_tiny, samples, neck):
    model = build_tiny(neck).train()
    losses = model.loss(torch.randn(2, 3, 64, 64), samples(2, 64, 64))
    assert set(losses) == ALL_KEYS


def test_total_is_alpha_seg_plus_beta_cls(build_tiny, samples):
    model = build_tiny().train()
    inputs, data = torch.randn(2, 3, 64, 64), samples(2, 64, 64)
    torch.manual_seed(3)  # the same dropout mask in both passes
    losses = model.loss(inputs, data)
    total, _ = model.parse_losses(losses)
    torch.manual_seed(3)
    seg_logits, cls_logits = model(inputs, mode='tensor')
    seg_ce = F.cross_entropy(
        seg_logits, torch.cat([s.gt_sem_seg.data for s in data])
    )
    cls_ce = F.cross_entropy(cls_logits, torch.tensor([0, 1]))
    assert torch.allclose(total, 0.8 * seg_ce + 0.2 * cls_ce, atol=1e-5)


@pytest.mark.parametrize('fusion', ['weighted_sum', 'conv'])
def test_every_parameter_gets_a_gradient(build_tiny, samples, fusion):
    model = build_tiny(fusion=fusion).train()
    inputs, data = torch.randn(2, 3, 64, 64), samples(2, 64, 64)
    total, _ = model.parse_losses(model.loss(inputs, data))
    total.backward()
    params = dict(model.named_parameters())
    assert all(p.grad is not None for p in params.values())
    # Meant not to at initialisation only: the attention's query / key
    # convs, scaled by gamma = 0 (DANet's initialisation).
    zero = {n for n, p in params.items() if not p.grad.abs().sum()}
    expected = {
        f'cls_neck.attentions.{r}.{conv}.{kind}'
        for r in range(3)
        for conv in ('query_conv', 'key_conv')
        for kind in ('weight', 'bias')
    }
    assert zero == expected
    model.zero_grad()
    for attention in model.cls_neck.attentions:
        attention.gamma.data.fill_(0.5)
    total, _ = model.parse_losses(model.loss(inputs, data))
    total.backward()
    zero = {n for n, p in params.items() if not p.grad.abs().sum()}
    assert zero == set()


def test_classification_loss_does_not_reach_the_decoder(build_tiny, samples):
    model = build_tiny().train()
    model.decode_head.loss_decode.loss_weight = 0.0
    total, _ = model.parse_losses(
        model.loss(torch.randn(2, 3, 64, 64), samples(2, 64, 64))
    )
    total.backward()
    assert not any(p.grad.abs().sum() for p in model.decode_head.parameters())
    assert model.backbone.layer4[0].conv1.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('batch', [1, 3])
@pytest.mark.parametrize('size', [(256, 256), (97, 131)])
def test_predict_fields(build_tiny, samples, batch, size):
    model = build_tiny().eval()
    h, w = size
    inputs = torch.randn(batch, 3, h, w)
    with torch.no_grad():
        results = model.predict(inputs, samples(batch, h, w))
        raw = model(inputs, mode='tensor')[0]
    # The neck splits the decoder's logits brought to the input size.
    expected = model.cls_neck.split_regions(
        resize(raw, size=(h, w), mode='bilinear', align_corners=False)
    )
    assert len(results) == batch
    for result in results:
        assert result.pred_sem_seg.data.shape == (1, h, w)
        assert result.seg_logits.data.shape == (2, h, w)
        assert result.pred_score.shape == (2,)
        assert torch.isclose(result.pred_score.sum(), torch.tensor(1.0))
        assert result.pred_label.dtype == torch.long
        assert result.pred_label.shape == (1,)
        assert result.pred_label.item() == result.pred_score.argmax().item()
        assert result.gt_label.shape == (1,)
    # The COSA region maps travel in each prediction, at the original
    # size (here the input size: no padding, no resize).
    for idx, result in enumerate(results):
        assert result.pred_regions.data.shape == (3, h, w)
        assert torch.equal(result.pred_regions.data, expected[idx])
        assert torch.equal(
            result.pred_regions.data.sum(dim=0), torch.ones(h, w)
        )


def _square_logits(h, w, top, bottom, left, right):
    mask = torch.zeros(1, h, w)
    mask[:, top : bottom + 1, left : right + 1] = 1
    return torch.stack([1 - mask, mask], dim=1) * 4 - 2


def test_pred_regions_undo_padding_and_flip_at_the_original_size(
    build_tiny, samples
):
    model = build_tiny().eval()
    logits = _square_logits(64, 64, 10, 29, 8, 27)
    model.decode_head.forward = lambda feats: logits
    data = samples(1, 64, 64)
    # 48 x 40 of image, padded right by 24 and at the bottom by 16,
    # flipped, from an original of twice the size.
    data[0].set_metainfo(
        dict(
            ori_shape=(96, 80),
            img_shape=(48, 40),
            padding_size=[0, 24, 0, 16],
            flip=True,
            flip_direction='horizontal',
        )
    )
    with torch.no_grad():
        result = model.predict(torch.randn(1, 3, 64, 64), data)[0]
    maps = model.cls_neck.split_regions(logits)[0].numpy()
    maps = maps[:, :48, :40][:, :, ::-1]  # crop, flip back
    expected = maps.repeat(2, axis=1).repeat(2, axis=2)  # nearest x2
    np.testing.assert_array_equal(result.pred_regions.data.numpy(), expected)
    # The tumour (cols 8-27 of the flipped input) lands at cols 12-31 of
    # the image, 24-63 of the original, the margin ring around it.
    tumour = result.pred_regions.data[1].numpy()
    assert tumour[40, 30:58].all() and not tumour[40, :20].any()
    assert result.pred_regions.data[2, 40, 22:28].all()


@pytest.mark.parametrize('mode', ['whole', 'slide'])
def test_region_output_changes_no_prediction(build_tiny, samples, mode):
    model = build_tiny().eval()
    if mode == 'slide':
        model.test_cfg = ConfigDict(
            mode='slide', crop_size=(64, 64), stride=(48, 48)
        )
    inputs = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        with_maps = model.predict(inputs, samples(2, 96, 96))
        model.cls_neck.returns_regions = False  # the neck keeps its maps
        assert not model.with_regions
        without = model.predict(inputs, samples(2, 96, 96))
    for a, b in zip(with_maps, without):
        assert 'pred_regions' in a and 'pred_regions' not in b
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
        assert torch.equal(a.pred_score, b.pred_score)
        assert torch.equal(a.pred_label, b.pred_label)


@pytest.mark.parametrize('neck', ['GAPNeck', 'SANeck', None])
def test_models_without_cosa_have_no_pred_regions(build_tiny, samples, neck):
    model = build_tiny(neck).eval()
    assert not model.with_regions
    with torch.no_grad():
        result = model.predict(torch.randn(1, 3, 64, 64), samples(1, 64, 64))
    assert 'pred_regions' not in result[0]


def test_predict_without_data_samples(build_tiny):
    model = build_tiny('GAPNeck').eval()
    with torch.no_grad():
        results = model.predict(torch.randn(2, 3, 64, 64))
    assert results[1].pred_score.shape == (2,)
    assert results[1].pred_sem_seg.data.shape == (1, 64, 64)
    cosa = build_tiny().eval()
    with torch.no_grad():
        results = cosa.predict(torch.randn(2, 3, 64, 48))
    # Like seg_logits, at the input size without data samples.
    assert results[1].pred_regions.data.shape == (3, 64, 48)


@pytest.mark.parametrize('batch', [1, 3])
def test_tensor_mode_returns_both_logits(build_tiny, batch):
    model = build_tiny().eval()
    with torch.no_grad():
        seg_logits, cls_logits = model(
            torch.randn(batch, 3, 64, 96), mode='tensor'
        )
    assert seg_logits.shape == (batch, 2, 64, 96)
    assert cls_logits.shape == (batch, 2)


def test_slide_inference_averages_crop_scores(build_tiny, samples):
    model = build_tiny().eval()
    model.test_cfg = ConfigDict(
        mode='slide', crop_size=(64, 64), stride=(48, 48)
    )
    inputs = torch.randn(2, 3, 96, 128)
    with torch.no_grad():
        results = model.predict(inputs, samples(2, 96, 128))
        # 96 x 128 with 64-px crops every 48 px: rows 0, 32; cols 0, 48, 64.
        crop_scores = [
            model(inputs[:, :, y : y + 64, x : x + 64], mode='tensor')[
                1
            ].softmax(dim=1)
            for y in (0, 32)
            for x in (0, 48, 64)
        ]
        # Region maps: the mean of the crops' maps at each pixel.
        maps = torch.zeros(2, 3, 96, 128)
        count = torch.zeros(1, 1, 96, 128)
        for y in (0, 32):
            for x in (0, 48, 64):
                crop = inputs[:, :, y : y + 64, x : x + 64]
                crop_maps = model.cls_neck.split_regions(
                    model(crop, mode='tensor')[0]
                )
                maps[:, :, y : y + 64, x : x + 64] += crop_maps
                count[:, :, y : y + 64, x : x + 64] += 1
    expected = torch.stack(crop_scores).mean(dim=0)
    got = torch.stack([r.pred_score for r in results])
    assert torch.allclose(got, expected, atol=1e-6)
    assert results[0].pred_sem_seg.data.shape == (1, 96, 128)
    regions = torch.stack([r.pred_regions.data for r in results])
    assert torch.allclose(regions, maps / count, atol=1e-6)
    assert torch.allclose(regions.sum(dim=1), torch.ones(2, 96, 128))


def test_without_classification_branch_is_a_plain_segmentor(
    build_tiny, samples
):
    model = build_tiny(None).train()
    assert not model.with_cls
    losses = model.loss(torch.randn(2, 3, 64, 64), samples(2, 64, 64))
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}
    model.eval()
    with torch.no_grad():
        result = model.predict(torch.randn(1, 3, 64, 64), samples(1, 64, 64))[
            0
        ]
        tensor = model(torch.randn(1, 3, 64, 64), mode='tensor')
    assert 'pred_score' not in result
    assert result.pred_sem_seg.data.shape == (1, 64, 64)
    assert isinstance(tensor, torch.Tensor)


def test_mmseg_encoder_decoder_with_our_backbone_and_head(samples):
    cfg = tiny_model_cfg(None)
    cfg['type'] = 'EncoderDecoder'
    model = MODELS.build(cfg).train()
    losses = model.loss(torch.randn(2, 3, 64, 64), samples(2, 64, 64))
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}


@pytest.mark.parametrize('name', ['mtl_cosa_r101', 'uresnet_r101'])
def test_base_config_train_step_on_r18(samples, name):
    # The shipped model dicts (data preprocessor, keys) with ResNet-18.
    cfg = Config.fromfile(f'configs/_base_/models/{name}.py').model
    cfg.backbone.update(depth=18, init_cfg=None)
    cfg.decode_head.in_channels = [64, 64, 128, 256, 512]
    if 'cls_neck' in cfg:
        cfg.cls_neck.in_channels = cfg.cls_head.in_channels = 512
    cfg.data_preprocessor.size = (64, 64)
    model = MODELS.build(cfg)
    data = dict(
        inputs=[torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8)] * 2,
        data_samples=samples(2, 64, 64),
    )
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-4))
    log_vars = model.train_step(copy.deepcopy(data), optim)
    assert log_vars['decode.loss_ce'] > 0
    assert ('cls.loss_ce' in log_vars) == (name == 'mtl_cosa_r101')
    model.eval()
    results = model.test_step(data)
    assert results[0].pred_sem_seg.data.shape == (1, 64, 64)


def test_bad_arguments():
    cfg = tiny_model_cfg()
    del cfg['cls_head']
    with pytest.raises(ValueError, match='both cls_neck and cls_head'):
        MODELS.build(cfg)
