import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmcosa.models import MultiTaskTTAModel

from ..conftest import make_samples


def view(score, logits, regions=None):
    sample = SegDataSample(seg_logits=PixelData(data=logits))
    sample.pred_score = torch.tensor(score)
    if regions is not None:
        sample.pred_regions = PixelData(data=regions)
    sample.gt_label = torch.tensor([1])
    sample.set_metainfo(dict(img_path='a.png'))
    return sample


def test_merge_preds_averages_class_scores(build_tiny):
    tta = MultiTaskTTAModel(module=build_tiny())
    logits_a = torch.tensor([[[2.0, 0.0]], [[0.0, 0.0]]])  # (2, 1, 2)
    logits_b = torch.tensor([[[0.0, 0.0]], [[0.0, 3.0]]])
    merged = tta.merge_preds(
        [[view([0.2, 0.8], logits_a), view([0.6, 0.4], logits_b)]]
    )[0]
    assert torch.allclose(merged.pred_score, torch.tensor([0.4, 0.6]))
    assert merged.pred_label.tolist() == [1]
    assert merged.gt_label.tolist() == [1]
    # Masks: mean of the views' softmax, as in SegTTAModel.
    probs = (logits_a.softmax(0) + logits_b.softmax(0)) / 2
    assert torch.equal(merged.pred_sem_seg.data[0], probs.argmax(0))
    assert 'pred_regions' not in merged  # the views have none


def test_merge_preds_averages_region_maps(build_tiny):
    tta = MultiTaskTTAModel(module=build_tiny())
    logits = torch.zeros(2, 1, 2)
    # Pixel 0: background in both views; pixel 1: margin, then tumour.
    regions_a = torch.tensor([[[1.0, 0.0]], [[0.0, 0.0]], [[0.0, 1.0]]])
    regions_b = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]], [[0.0, 0.0]]])
    merged = tta.merge_preds(
        [
            [
                view([0.2, 0.8], logits, regions_a),
                view([0.6, 0.4], logits, regions_b),
            ]
        ]
    )[0]
    expected = torch.tensor([[[1.0, 0.0]], [[0.0, 0.5]], [[0.0, 0.5]]])
    assert torch.equal(merged.pred_regions.data, expected)


def test_test_step_over_flip_views(build_tiny):
    model = build_tiny().eval()
    tta = MultiTaskTTAModel(module=model)
    image = torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8)
    plain, flipped = make_samples(1, 64, 64), make_samples(1, 64, 64)
    flipped[0].set_metainfo(dict(flip=True, flip_direction='horizontal'))
    for sample in plain + flipped:
        sample.set_metainfo(dict(img_path='a.png'))
    data = dict(
        inputs=[[image], [image.flip(-1)]], data_samples=[plain, flipped]
    )
    with torch.no_grad():
        merged = tta.test_step(data)[0]
        one = model.test_step(dict(inputs=[image], data_samples=plain))[0]
        two = model.test_step(
            dict(inputs=[image.flip(-1)], data_samples=flipped)
        )[0]
    expected = (one.pred_score + two.pred_score) / 2
    assert not torch.allclose(one.pred_score, two.pred_score)
    assert torch.allclose(merged.pred_score, expected)
    assert merged.pred_label.item() == expected.argmax().item()
    assert merged.pred_sem_seg.data.shape == (1, 64, 64)
    # Region maps: the mean of the views' maps, each already flipped back
    # to the image (the flipped view's own maps are not the merged ones).
    maps = (one.pred_regions.data + two.pred_regions.data) / 2
    assert torch.equal(merged.pred_regions.data, maps)
    assert not torch.equal(merged.pred_regions.data, two.pred_regions.data)
    assert torch.allclose(maps.sum(0), torch.ones(64, 64))
