"""Tests of the mmcosa transforms."""

import random

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmseg.models import SegDataPreProcessor
from mmseg.registry import TRANSFORMS

from mmcosa.datasets.phantom import generate_sample
from mmcosa.datasets.transforms import (
    PackBUSInputs,
    RandomGaussianBlur,
    RandomMedianBlur,
    UltrasoundAugment,
)

H, W = 48, 64


def results(label=1, grey=False):
    """A phantom sample as the pipeline sees it after loading."""
    s = generate_sample(0, label, (H, W))
    img = s['img'] if grey else np.repeat(s['img'][..., None], 3, axis=2)
    return dict(
        img=img,
        gt_seg_map=s['mask'].copy(),
        seg_fields=['gt_seg_map'],
        gt_label=s['label'],
        img_path='case.png',
        img_shape=(H, W),
        ori_shape=(H, W),
    )


# ------------------------------------------------------------ PackBUSInputs
@pytest.mark.parametrize(
    'label', [1, np.int64(1), np.array(1), np.array([1]), torch.tensor([1])]
)
def test_pack_label_as_long_tensor(label):
    r = results()
    r['gt_label'] = label
    packed = PackBUSInputs()(r)
    assert packed['inputs'].shape == (3, H, W)
    assert packed['inputs'].dtype == torch.uint8
    sample = packed['data_samples']
    assert sample.gt_label.dtype == torch.long
    assert sample.gt_label.shape == (1,)
    assert sample.gt_label.tolist() == [1]
    assert torch.equal(
        sample.gt_sem_seg.data[0], torch.from_numpy(r['gt_seg_map']).long()
    )
    assert sample.img_path == 'case.png' and sample.ori_shape == (H, W)
    assert 'gt_label' not in sample.metainfo


def test_pack_label_survives_collate_and_preprocessor():
    batch = pseudo_collate(
        [PackBUSInputs()(results(0)), PackBUSInputs()(results(1))]
    )
    pre = SegDataPreProcessor(mean=[0, 0, 0], std=[1, 1, 1], size=(H, W))
    out = pre(batch, training=True)
    assert out['inputs'].shape == (2, 3, H, W)
    assert [s.gt_label.tolist() for s in out['data_samples']] == [[0], [1]]


def test_pack_without_label():
    r = results()
    del r['gt_label']
    with pytest.raises(KeyError, match="no 'gt_label' in the sample case"):
        PackBUSInputs()(r)
    sample = PackBUSInputs(require_label=False)(r)['data_samples']
    assert 'gt_label' not in sample
    grey = results(grey=True)
    assert PackBUSInputs()(grey)['inputs'].shape == (1, H, W)


@pytest.mark.parametrize(
    'label, err, match',
    [
        (0.5, TypeError, 'gt_label for case.png must be an int'),
        (True, TypeError, 'must be an int'),
        (-1, ValueError, 'must be >= 0'),
        (np.array([0, 1]), ValueError, 'must hold one value'),
    ],
)
def test_pack_bad_labels(label, err, match):
    r = results()
    r['gt_label'] = label
    with pytest.raises(err, match=match):
        PackBUSInputs()(r)


def test_pack_bad_arguments():
    with pytest.raises(ValueError, match="'gt_label' must not be in"):
        PackBUSInputs(meta_keys=('img_path', 'gt_label'))
    with pytest.raises(TypeError, match='require_label must be a bool'):
        PackBUSInputs(require_label='yes')


# -------------------------------------------------------------------- blurs
@pytest.mark.parametrize('cls', [RandomGaussianBlur, RandomMedianBlur])
def test_blur_changes_image_not_mask(cls):
    r = results()
    img, mask = r['img'].copy(), r['gt_seg_map'].copy()
    out = cls(prob=1.0, kernel_size=5)(r)
    assert out['img'].shape == img.shape and out['img'].dtype == np.uint8
    assert np.abs(out['img'].astype(int) - img).mean() > 1.0
    # a blur lowers the local variation (speckle)
    assert (
        np.abs(np.diff(out['img'].astype(int), axis=1)).mean()
        < np.abs(np.diff(img.astype(int), axis=1)).mean()
    )
    assert np.array_equal(out['gt_seg_map'], mask)
    grey = cls(prob=1.0)(results(grey=True))['img']
    assert grey.shape == (H, W)
    untouched = cls(prob=0.0)(results())
    assert np.array_equal(untouched['img'], img)


@pytest.mark.parametrize('cls', [RandomGaussianBlur, RandomMedianBlur])
def test_blur_seeded_determinism(cls):
    t = cls(prob=0.5, kernel_size=(3, 9))
    runs = []
    for _ in range(2):
        np.random.seed(3)
        runs.append([t(results())['img'] for _ in range(6)])
    for a, b in zip(*runs):
        assert np.array_equal(a, b)
    # both branches occur, kernel sizes are odd and within range
    np.random.seed(0)
    draws = [t._sample() for _ in range(200)]
    assert {d[0] for d in draws} == {True, False}
    assert {d[1] for d in draws} == {3, 5, 7, 9}


def test_median_blur_float_image():
    r = results()
    r['img'] = r['img'].astype(np.float32)
    assert RandomMedianBlur(prob=1.0, kernel_size=5)(r)['img'].dtype == (
        np.float32
    )
    with pytest.raises(ValueError, match='kernel size 7 needs a uint8'):
        RandomMedianBlur(prob=1.0, kernel_size=7)(
            results() | dict(img=r['img'])
        )


@pytest.mark.parametrize(
    'cls, kwargs, err, match',
    [
        (RandomGaussianBlur, dict(prob=1.5), ValueError, r'prob must be in'),
        (RandomGaussianBlur, dict(prob='0.5'), TypeError, 'prob must be a'),
        (RandomGaussianBlur, dict(kernel_size=4), ValueError, 'must be odd'),
        (RandomGaussianBlur, dict(kernel_size=(7, 3)), ValueError, 'odd ints'),
        (RandomGaussianBlur, dict(kernel_size=1), ValueError, '3 <= min'),
        (RandomGaussianBlur, dict(kernel_size=3.0), TypeError, 'odd int'),
        (RandomGaussianBlur, dict(sigma=0), ValueError, '0.0 < min <= max'),
        (RandomGaussianBlur, dict(sigma=(2, 1)), ValueError, 'min <= max'),
        (RandomGaussianBlur, dict(sigma='1'), TypeError, 'sigma must be a'),
        (
            RandomMedianBlur,
            dict(kernel_size=(3, 6)),
            ValueError,
            'must be odd',
        ),
        (RandomMedianBlur, dict(prob=-0.1), ValueError, r'prob must be in'),
    ],
)
def test_blur_argument_errors(cls, kwargs, err, match):
    with pytest.raises(err, match=match):
        cls(**kwargs)


def test_blurs_registered():
    for name in (
        'RandomGaussianBlur',
        'RandomMedianBlur',
        'UltrasoundAugment',
        'PackBUSInputs',
    ):
        assert TRANSFORMS.get(name) is not None


# -------------------------------------------------------- UltrasoundAugment
@pytest.mark.parametrize(
    'aug',
    [
        'DepthAttenuation',
        'GaussianShadow',
        'HazeArtifact',
        dict(type='SpeckleReduction', sigma_spatial=1.5, sigma_color=0.3),
    ],
)
def test_ultrasound_augment_each_keeps_image_sane(aug):
    np.random.seed(1)
    random.seed(1)
    r = results()
    img, mask = r['img'].copy(), r['gt_seg_map'].copy()
    out = UltrasoundAugment([aug], prob=1.0)(r)
    new = out['img']
    assert new.shape == img.shape and new.dtype == np.uint8
    assert not np.array_equal(new, img)
    # not wiped (usaugment zeroes uint8 input) and not saturated
    assert 0.3 * img.mean() < new.mean() < 1.5 * img.mean() + 10
    assert np.array_equal(new[..., 0], new[..., 2])  # still grey
    assert np.array_equal(out['gt_seg_map'], mask)


def test_ultrasound_augment_all_float_and_seeded():
    t = UltrasoundAugment(prob=[1.0, 1.0, 0.0, 1.0])
    outs = []
    for _ in range(2):
        np.random.seed(5)
        random.seed(5)
        outs.append(t(results())['img'])
    assert np.array_equal(*outs)
    r = results()
    r['img'] = r['img'].astype(np.float32)
    np.random.seed(5)
    random.seed(5)
    new = t(r)['img']
    assert new.dtype == np.float32 and 0 <= new.min() and new.max() <= 255
    assert np.abs(new - outs[0]).max() <= 1.0  # same up to rounding
    unchanged = UltrasoundAugment(prob=0.0)(results())['img']
    assert np.array_equal(unchanged, results()['img'])


def test_ultrasound_augment_nonzero_scan_mask():
    r = results(grey=True)
    r['img'][:, :8] = 0  # outside the scan
    r['img'][:, 8:] = np.maximum(r['img'][:, 8:], 1)
    out = UltrasoundAugment(
        ['DepthAttenuation', 'HazeArtifact'], prob=1.0, scan_mask='nonzero'
    )(r)['img']
    assert out.shape == (H, W)
    assert not out[:, :8].any()
    assert out[:, 8:].mean() > 10


@pytest.mark.parametrize(
    'kwargs, err, match',
    [
        (dict(augmentations='HazeArtifact'), TypeError, 'non-empty list'),
        (dict(augmentations=[]), TypeError, 'non-empty list'),
        (dict(augmentations=['Speckle']), ValueError, 'unknown ultrasound'),
        (
            dict(augmentations=[dict(type='HazeArtifact', p=0.2)]),
            ValueError,
            'set probabilities with prob=',
        ),
        (dict(prob=[0.5, 0.5]), ValueError, 'prob has 2 values for 4'),
        (dict(prob=2.0), ValueError, r'prob must be in'),
        (dict(scan_mask='sector'), ValueError, 'scan_mask must be one of'),
    ],
)
def test_ultrasound_augment_argument_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        UltrasoundAugment(**kwargs)


def test_ultrasound_augment_passes_arguments():
    t = UltrasoundAugment(
        [dict(type='GaussianShadow', strength=0.9, sigma_x=0.5, sigma_y=0.5)],
        prob=1.0,
    )
    assert t.transforms[0].strength == 0.9
    r = results()
    before = r['img'].mean()
    assert t(r)['img'].mean() < before  # a strong, wide shadow darkens
