"""Duplicate finder: each kind of copy found, unrelated images left apart."""

import cv2
import numpy as np
import pytest

from mmcosa.datasets.duplicates import (
    CheckParams,
    FeatureParams,
    extract_features,
    find_duplicates,
    keypoint_votes,
    match_features,
    verify_pair,
)
from mmcosa.datasets.phantom.generator import render_case


@pytest.fixture(scope='module')
def scans():
    """Eight unrelated phantom scans of realistic BUSI sizes."""
    out = []
    for i in range(8):
        rng = np.random.default_rng([11, i])
        hw = (int(rng.integers(330, 420)), int(rng.integers(420, 560)))
        img, _, _ = render_case(rng, ('benign', 'malignant')[i % 2], hw, 1)
        out.append(img)
    return out


def recrop(img):
    return img[5:-9, 3:-7]


def resize(img, f):
    h, w = img.shape
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    return cv2.resize(img, (round(w * f), round(h * f)), interpolation=interp)


def zoom(img, f=1.3):
    h, w = img.shape
    ch, cw = round(h / f), round(w / f)
    y, x = (h - ch) // 2, (w - cw) // 2
    return cv2.resize(
        img[y : y + ch, x : x + cw], (w, h), interpolation=cv2.INTER_LINEAR
    )


def sector(img):
    """The full fan-shaped sector on a wider black canvas."""
    h, w = img.shape
    canvas = np.zeros((h + 40, w + 120), np.uint8)
    canvas[20 : 20 + h, 60 : 60 + w] = img
    fan = np.zeros_like(canvas)
    pts = np.array(
        [
            [60 + w // 3, 20],
            [60 + 2 * w // 3, 20],
            [60 + w, 20 + h],
            [60, 20 + h],
        ],
        np.int32,
    )
    cv2.fillPoly(fan, [pts], 1)
    return canvas * fan, img[:, w // 4 : 3 * w // 4]


def marks(img, text='LEFT BREAST'):
    out = img.copy()
    cv2.putText(out, text, (12, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 255, 2)
    for x in (120, 200):
        cv2.line(out, (x - 5, 150), (x + 5, 150), 255, 1)
        cv2.line(out, (x, 145), (x, 155), 255, 1)
    return out


KINDS = {
    'recrop': lambda s: (s, recrop(s)),
    'resize 0.83': lambda s: (s, resize(s, 0.83)),
    'resize 1.2': lambda s: (s, resize(s, 1.2)),
    'zoom 1.3': lambda s: (s, zoom(s)),
    'marks on one copy': lambda s: (s, marks(s)),
    'brightness': lambda s: (s, np.clip(s + 12, 0, 255).astype(np.uint8)),
    'identical': lambda s: (s, s.copy()),
}


@pytest.mark.parametrize('kind', sorted(KINDS))
def test_same_frame_kinds(scans, kind):
    a, b = KINDS[kind](scans[0])
    ev = verify_pair(extract_features(a), extract_features(b))
    assert ev.level == 'same_frame', ev
    if kind == 'identical':
        assert ev.method == 'identical'
    else:
        assert ev.method == 'keypoints' and ev.inliers >= 50
        assert ev.offset_difference <= 2.5 and ev.correlation >= 0.98
        expected = dict(zip(KINDS, [1, 1 / 0.83, 1 / 1.2, 1 / 1.3])).get(
            kind, 1.0
        )
        assert ev.scale == pytest.approx(expected, rel=0.02)


def test_sector_vs_tight_crop(scans):
    full, crop = sector(scans[1])
    ev = verify_pair(extract_features(full), extract_features(crop))
    assert ev.level == 'same_frame' and ev.scale == pytest.approx(1, 0.01)
    assert ev.overlap >= 0.9


def test_unrelated_and_text_traps_stay_apart(scans):
    marked = [marks(s, 'RT AXILLA') for s in scans]
    feats = [extract_features(m) for m in marked]
    for i in range(len(scans) - 1):
        ev = verify_pair(feats[i], feats[i + 1])
        assert ev.level is None, (i, ev)
    # no keypoint on or next to the shared text and calipers, so they
    # cannot vote for unrelated images
    for s, m, f in zip(scans, marked, feats):
        drawn = (m != s).astype(np.uint8)
        dist = cv2.distanceTransform(1 - drawn, cv2.DIST_L2, 3)
        x, y = np.round(f.points).astype(int).T
        assert dist[y, x].min() > 3
        assert len(f.points) > 60


def test_find_duplicates_groups_and_votes(scans, tmp_path):
    a, b = KINDS['resize 0.83'](scans[2])
    c = recrop(scans[2])
    images = list(scans[3:]) + [a, b, c]
    path = tmp_path / 'x.png'
    cv2.imwrite(str(path), scans[3])
    images[0] = path  # paths and arrays both accepted
    votes = keypoint_votes(
        [extract_features(np.asarray(x)) for x in images[1:]]
    )
    assert votes[-1, -2] > 100 and votes[-2, -3] > 100
    rep = find_duplicates(images)
    n = len(scans) - 3
    assert rep.groups == [[n, n + 1, n + 2]]
    assert rep.group_level(0) == 'same_frame'
    assert {(p.a, p.b) for p in rep.pairs} >= {(n, n + 1)}
    (rec,) = rep.records([f'i{k}' for k in range(len(images))], ['benign'] * 8)
    assert rec['members'] == [f'i{k}' for k in (n, n + 1, n + 2)]
    assert not rec['conflict'] and rec['level'] == 'same_frame'
    assert all(k['inliers'] >= 50 for k in rec['links'])


def test_hash_and_none_modes(scans):
    a = scans[4]
    b = resize(a, 0.9)
    rep = find_duplicates([a, b, recrop(a), scans[5]], mode='hash')
    # the resized copy keeps its dHash; the re-crop does not
    assert rep.groups == [[0, 1]]
    assert rep.pairs[0].evidence['method'] == 'dhash'
    assert find_duplicates([a, a], mode='none').groups == []


def test_adjacent_frame_is_same_lesion(scans):
    """A probe shift with new speckle: same lesion, not the same pixels."""
    rng = np.random.default_rng(0)
    img = scans[6].astype(np.float32)
    # coarse structure kept, speckle re-drawn
    smooth = cv2.GaussianBlur(img, (0, 0), 3)
    noise = rng.normal(0, 14, img.shape).astype(np.float32)
    b = np.clip(smooth + cv2.GaussianBlur(noise, (0, 0), 1), 0, 255)
    m = np.float32([[1, 0, 9], [0, 1, 3]])
    b = cv2.warpAffine(b, m, img.shape[::-1], borderMode=cv2.BORDER_REFLECT)
    ev = verify_pair(
        extract_features(scans[6]), extract_features(b.astype(np.uint8))
    )
    assert ev.level == 'same_lesion', ev
    assert 3 < ev.offset_difference and ev.correlation >= 0.8


def test_errors():
    with pytest.raises(ValueError, match='dedup mode must be one of'):
        find_duplicates([], mode='fast')
    with pytest.raises(ValueError, match='hash_threshold must be'):
        match_features([], 'hash', hash_threshold=-1)
    with pytest.raises(ValueError, match='max_side must be >= 64'):
        FeatureParams(max_side=10)
    with pytest.raises(ValueError, match='too small to compare'):
        extract_features(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match='expected an image of shape'):
        extract_features(np.zeros((4, 4, 2), np.uint8))
    assert CheckParams().frame_difference < CheckParams().lesion_difference


def test_five_copies_of_one_frame_form_one_group(scans):
    """A descriptor matching four copies equally still votes (split)."""
    s = scans[7]
    copies = [
        s,
        s[4:-6, 3:-5],
        resize(s, 0.83),
        s[8:-2, 1:-9],
        resize(s[2:-2, 2:-2], 1.2),
    ]
    votes = keypoint_votes([extract_features(c) for c in copies])
    assert (votes + np.eye(5) * 1e3).min() > 30
    rep = find_duplicates(copies + list(scans[:3]))
    assert rep.groups == [[0, 1, 2, 3, 4]]
    assert len(rep.pairs) == 10
    assert all(p.level == 'same_frame' for p in rep.pairs)
