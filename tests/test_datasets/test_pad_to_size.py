"""PadToSize: pad to a fixed size and record the padding."""

import numpy as np
import pytest
from mmseg.registry import TRANSFORMS

import mmcosa  # noqa: F401


def test_pads_bottom_right_and_records_it():
    pad = TRANSFORMS.build(dict(type='PadToSize', size=(8, 6)))
    img = np.full((4, 5, 3), 7, np.uint8)
    seg = np.ones((4, 5), np.uint8)
    out = pad(dict(img=img, gt_seg_map=seg))
    assert out['img'].shape == (6, 8, 3)
    np.testing.assert_array_equal(out['img'][:4, :5], img)
    assert not out['img'][4:].any() and not out['img'][:, 5:].any()
    assert (out['gt_seg_map'][4:] == 255).all()
    assert (out['gt_seg_map'][:, 5:] == 255).all()
    assert (out['gt_seg_map'][:4, :5] == 1).all()
    # mmseg's (left, right, top, bottom), as postprocess_result reads it
    assert out['padding_size'] == (0, 3, 0, 2)
    assert out['img_shape'] == out['pad_shape'] == (6, 8)


def test_every_channel_gets_the_pad_value():
    pad = TRANSFORMS.build(
        dict(type='PadToSize', size=(4, 4), pad_val=9, seg_pad_val=0)
    )
    out = pad(dict(img=np.zeros((2, 4, 3), np.uint8)))
    assert (out['img'][2:] == 9).all()
    assert 'gt_seg_map' not in out
    grey = pad(dict(img=np.zeros((4, 3), np.uint8)))['img']
    assert grey.shape == (4, 4) and (grey[:, 3] == 9).all()


def test_exact_size_is_unchanged():
    pad = TRANSFORMS.build(dict(type='PadToSize', size=(5, 4)))
    img = np.arange(20, dtype=np.uint8).reshape(4, 5)
    out = pad(dict(img=img))
    np.testing.assert_array_equal(out['img'], img)
    assert out['padding_size'] == (0, 0, 0, 0)


def test_larger_image_is_refused():
    pad = TRANSFORMS.build(dict(type='PadToSize', size=(4, 4)))
    with pytest.raises(ValueError, match='keep_ratio=True'):
        pad(dict(img=np.zeros((5, 4), np.uint8)))


@pytest.mark.parametrize(
    'kwargs, err, match',
    [
        (dict(size=256), TypeError, 'pair'),
        (dict(size=(4.0, 4)), TypeError, 'pair'),
        (dict(size=(0, 4)), ValueError, 'positive'),
        (dict(size=(4, 4), pad_val=300), ValueError, 'pad_val'),
        (dict(size=(4, 4), seg_pad_val=-1), ValueError, 'seg_pad_val'),
        (dict(size=(4, 4), pad_val=1.5), TypeError, 'pad_val'),
    ],
)
def test_argument_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        TRANSFORMS.build(dict(type='PadToSize', **kwargs))


def test_repr():
    pad = TRANSFORMS.build(dict(type='PadToSize', size=(8, 6)))
    assert repr(pad) == 'PadToSize(size=(8, 6), pad_val=0, seg_pad_val=255)'
