"""Building blocks of the BUSI phantom's duplicate kinds: copies with their
transform, sweeps, sector views, marks, the realism measure, the ground
truth; and the on-the-fly phantom left bit for bit as it was."""

import hashlib

import cv2
import numpy as np
import pytest

from mmcosa.datasets.phantom import generate_sample, render_case
from mmcosa.datasets.phantom.busi_kinds import (
    Frame,
    legacy_copy,
    same_frame_copy,
)
from mmcosa.datasets.phantom.busi_truth import components, duplicate_truth
from mmcosa.datasets.phantom.copies import crop_resize
from mmcosa.datasets.phantom.marks import (
    MARK_MIN,
    add_calipers,
    add_text,
    random_marks,
)
from mmcosa.datasets.phantom.realism import aligned_difference
from mmcosa.datasets.phantom.sector import fan_geometry, sector_view
from mmcosa.datasets.phantom.sweep import SweepSpeckle, sweep_frames

IDENTITY = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


def test_on_the_fly_phantom_is_unchanged():
    # digest taken before the sweep / sector hooks went into
    # render_scene and form_image (the quick-start figures depend on it)
    h = hashlib.sha256()
    for seed, index, size in [
        (0, 0, 256),
        (0, 1, 256),
        (3, 7, (96, 128)),
        (11, 5, 64),
        (2, 42, 256),
        (0, 3, (200, 300)),
    ]:
        s = generate_sample(seed, index, img_size=size)
        h.update(s['img'].tobytes())
        h.update(s['mask'].tobytes())
        h.update(bytes([s['label']]))
    for label in range(3):
        rng = np.random.default_rng([5, 1, label])
        img, masks, meta = render_case(rng, label, (150, 210), 2)
        h.update(img.tobytes())
        for m in masks:
            h.update(m.tobytes())
        h.update(repr(meta).encode())
    assert h.hexdigest() == (
        'c3054ce2cf976c60ca14f25463f86911d9b247d0281a7d1632b052a851a4b303'
    )


def _dot_frame(x: int, y: int, shape=(60, 80)) -> Frame:
    img = np.full(shape, 50, np.uint8)
    mask = np.zeros(shape, np.uint8)
    cv2.circle(img, (x, y), 3, 250, -1)
    cv2.circle(mask, (x, y), 3, 1, -1)
    return Frame(img, [mask], np.zeros(shape, bool))


@pytest.mark.parametrize(
    'box, size',
    [
        ((5, 3, 75, 57), (54, 70)),  # re-crop
        ((0, 0, 80, 60), (50, 66)),  # 0.83x
        ((0, 0, 80, 60), (72, 96)),  # 1.2x
        ((9, 7, 71, 53), (60, 81)),  # 1.3x zoom
    ],
)
def test_crop_resize_transform_maps_copy_pixels_back(box, size):
    frame = _dot_frame(40, 30)
    img, [mask], m = crop_resize(frame.img, frame.masks, box, size)
    assert img.shape == mask.shape == size
    ys, xs = np.nonzero(img > 150)
    # the dot's centre in the copy, mapped back, is the original centre
    x, y = np.array(m) @ [xs.mean(), ys.mean(), 1]
    assert abs(x - 40) < 0.5 and abs(y - 30) < 0.5
    ys, xs = np.nonzero(mask)
    x, y = np.array(m) @ [xs.mean(), ys.mean(), 1]
    assert abs(x - 40) < 0.6 and abs(y - 30) < 0.6


def test_same_frame_copies():
    frame = _dot_frame(40, 30, (100, 120))
    rng = np.random.default_rng(0)
    recrop, m = same_frame_copy('recrop', frame, rng)
    sx, tx, ty = m[0][0], m[0][2], m[1][2]
    assert sx == 1 and 2 <= tx <= 10 and 2 <= ty <= 10
    assert 100 - 20 <= recrop.img.shape[0] <= 100 - 4
    small, m = same_frame_copy('resize', frame, rng, index=0)
    big, _ = same_frame_copy('resize', frame, rng, index=1)
    assert small.img.shape == (83, 100) and big.img.shape == (120, 144)
    zoom, m = same_frame_copy('zoom', frame, rng)
    assert zoom.img.shape == (100, 120) and m[0][0] == pytest.approx(
        1 / 1.3, rel=0.01
    )
    marked, m = same_frame_copy('marks', frame, rng)
    assert m == IDENTITY and marked.overlay.any() and not frame.overlay.any()
    changed = marked.img != frame.img
    assert np.array_equal(changed, marked.overlay)
    assert (marked.img[changed] >= MARK_MIN).all()
    for kind in ('reencoded', 'resized', 'brightness'):
        copy, _ = legacy_copy(kind, frame, rng)
        assert not np.array_equal(copy.img, frame.img)


def test_sweep_frames_same_lesion_new_speckle():
    rng = np.random.default_rng(3)
    origins = [(0, 0), (10, 3)]
    (a, masks_a), (b, masks_b) = sweep_frames(
        rng, 'benign', (120, 160), origins, rho=0.6
    )
    assert a.shape == b.shape == (120, 160)
    # the lesion moved with the probe: b's mask is a's shifted by (10, 3)
    assert np.array_equal(masks_a[0][3:, 10:], masks_b[0][:-3, :-10])
    assert masks_a[0].any() and masks_b[0].any()
    move = [[1.0, 0.0, 10.0], [0.0, 1.0, 3.0]]
    median, ncc = aligned_difference(a, b, move)
    assert median > 2 and ncc > 0.8  # same scene, not the same pixels
    # a sideways move, shared speckle and no change of echogenicity:
    # the same pixels but near the borders
    rng = np.random.default_rng(3)
    (a, _), (b, _) = sweep_frames(
        rng, 'benign', (120, 160), [(0, 0), (10, 0)], 1.0, elevation_db=0
    )
    move = [[1.0, 0.0, 10.0], [0.0, 1.0, 0.0]]
    assert aligned_difference(a, b, move)[0] < 1


def test_sector_view_and_its_crop():
    rng = np.random.default_rng(1)
    img, masks, _ = render_case(rng, 'malignant', (200, 360))
    fan, (x0, y0, x1, y1) = fan_geometry(img.shape, np.random.default_rng(2))
    assert fan[y0:y1, x0:x1].all() and not fan.all()
    sector, cut, box, overlay, texts = sector_view(
        img, masks, np.random.default_rng(2)
    )
    assert box == (x0, y0, x1, y1)
    outside = ~fan & ~overlay
    assert (sector[outside] == 0).all()
    assert np.array_equal(sector[fan & ~overlay], img[fan & ~overlay])
    assert not (cut[0].astype(bool) & ~fan).any()
    assert texts and overlay.any() and not overlay[y0:y1, x0:x1].any()


def test_marks():
    img = np.full((80, 120), 60, np.uint8)
    mask = np.zeros_like(img)
    cv2.ellipse(mask, (60, 40), (20, 10), 0, 0, 360, 1, -1)
    texts = add_calipers(img, mask, np.random.default_rng(0))
    assert texts[0][0].startswith('D1 ') and texts[0][0].endswith('cm')
    # '+' marks at the lesion's leftmost and rightmost pixels
    assert img[40, 40] >= MARK_MIN and img[40, 80] >= MARK_MIN
    blank = np.full((80, 120), 60, np.uint8)
    t = add_text(blank, 'RT AXILLA', (6, 14), 0.4)
    assert t == ('RT AXILLA', (6, 14), 0.4)
    assert set(np.unique(blank)) == {60, 255}
    normal = np.full((80, 120), 60, np.uint8)
    texts = random_marks(
        normal, [np.zeros_like(normal)], np.random.default_rng(0)
    )
    assert len(texts) == 1 and (normal == 255).any()  # text only


def test_aligned_difference_by_hand():
    x = np.arange(80)[None, :] + np.zeros((60, 1))
    a = (120 + 60 * np.sin(2 * np.pi * x / 20)).astype(np.uint8)
    assert aligned_difference(a, a, IDENTITY) == (0.0, pytest.approx(1.0))
    brighter = (a + 10).astype(np.uint8)
    median, ncc = aligned_difference(a, brighter, IDENTITY)
    assert median == pytest.approx(10, abs=1e-3)
    assert ncc == pytest.approx(1.0)
    # b = a shifted 5 px left: aligned by the true transform
    b = a[:, 5:]
    shift = [[1.0, 0.0, 5.0], [0.0, 1.0, 0.0]]
    assert aligned_difference(a, b, shift)[0] == pytest.approx(0, abs=1e-3)
    assert aligned_difference(a, b, IDENTITY)[0] > 30  # quarter period


def test_duplicate_truth_by_hand():
    assert components([('a', 'b'), ('c', 'd'), ('b', 'e')]) == [
        ['a', 'b', 'e'],
        ['c', 'd'],
    ]
    pairs = [
        dict(a='b1', b='m9', kind='exact'),
        dict(a='b2', b='b3', kind='recrop'),
        dict(a='b3', b='b4', kind='adjacent'),
        dict(a='m1', b='b5', kind='cross_class'),
    ]
    labels = dict(b1=0, m9=1, b2=0, b3=0, b4=0, m1=1, b5=0, b6=0, n1=2)
    text = ('LEFT BREAST', (6, 14), 0.4)
    texts = dict(b2=[text], b4=[text], b6=[text], n1=[text], b1=[])
    truth = duplicate_truth(pairs, labels, texts)
    assert truth['exact_duplicates'] == [['b1', 'm9']]
    assert truth['near_duplicates'] == [['b2', 'b3', 'b4'], ['m1', 'b5']]
    assert truth['conflicts'] == [['b1', 'm9'], ['m1', 'b5']]
    # b2 and b4 are one group: one of them stands for it
    assert truth['text_traps'] == [['b2', 'b6', 'n1']]


@pytest.mark.parametrize(
    'call, match',
    [
        (
            lambda: aligned_difference(
                np.zeros((9, 9), np.uint8), np.zeros((9, 9)), [[1, 0]]
            ),
            'finite 2x3 matrix',
        ),
        (
            lambda: aligned_difference(
                np.full((40, 40), 99, np.uint8),
                np.full((40, 40), 99, np.uint8),
                [[1, 0, 500], [0, 1, 0]],
            ),
            'pixels to compare',
        ),
        (
            lambda: aligned_difference(
                np.zeros((4, 4, 2)), np.zeros((4, 4)), IDENTITY
            ),
            'grey',
        ),
        (
            lambda: crop_resize(
                np.zeros((20, 20), np.uint8), [], (0, 0, 30, 20), (20, 30)
            ),
            'not inside',
        ),
        (
            lambda: crop_resize(
                np.zeros((20, 20), np.uint8), [], (0, 0, 20, 20), (4, 20)
            ),
            'at least 8',
        ),
        (lambda: SweepSpeckle(0, None, (9, 9), (0, 0), 1.5), 'rho must'),
        (
            lambda: sweep_frames(
                np.random.default_rng(0), 'benign', (64, 64), [(-1, 0)], 0.5
            ),
            'origins must',
        ),
        (
            lambda: add_text(np.zeros((9, 9), np.uint8), 'x', (0, 5), 1, 9),
            'value must be in',
        ),
        (
            lambda: add_calipers(
                np.zeros((9, 9), np.uint8),
                np.zeros((9, 9), np.uint8),
                np.random.default_rng(0),
            ),
            'non-empty lesion mask',
        ),
        (
            lambda: same_frame_copy(
                'flip', _dot_frame(5, 5), np.random.default_rng(0)
            ),
            'kind must be one of',
        ),
        (
            lambda: legacy_copy(
                'flip', _dot_frame(5, 5), np.random.default_rng(0)
            ),
            'kind must be',
        ),
        (
            lambda: fan_geometry((12, 12), np.random.default_rng(0)),
            'no room for an 8 x 8 crop',
        ),
    ],
)
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
