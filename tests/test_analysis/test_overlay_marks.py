"""detect_marks / inpaint_marks on phantom images with burnt-in marks."""

import cv2
import numpy as np
import pytest

from mmcosa.analysis import detect_marks, inpaint_marks
from mmcosa.datasets.phantom import generate_sample

WHITE, YELLOW = (255, 255, 255), (0, 255, 255)  # BGR


def burn(img: np.ndarray, mask: np.ndarray, rng) -> tuple:
    """Burn two white '+' calipers at the lesion's horizontal ends, one
    yellow '+' and a line of text into ``img`` (BGR), anti-aliased by
    alpha blending. Returns the image and each mark's coverage."""
    h, w = img.shape[:2]
    layers = {k: np.zeros((h, w), np.uint8) for k in ('cal', 'text', 'col')}
    ys, xs = np.nonzero(mask)
    for i in (np.argmin(xs), np.argmax(xs)):
        x, y = int(xs[i]), int(ys[i])
        cv2.line(layers['cal'], (x - 3, y), (x + 3, y), 255, 1)
        cv2.line(layers['cal'], (x, y - 3), (x, y + 3), 255, 1)
    cv2.putText(
        layers['text'],
        'LT BREAST 2',
        (4, h - 8),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.5,
        255,
        1,
        cv2.LINE_AA,
    )
    x, y = int(rng.integers(20, w - 20)), int(rng.integers(20, h - 40))
    cv2.line(layers['col'], (x - 3, y), (x + 3, y), 255, 1)
    cv2.line(layers['col'], (x, y - 3), (x, y + 3), 255, 1)
    out = img.astype(np.float32)
    for name, layer in layers.items():
        alpha = layer[..., None] / 255.0
        colour = np.float32(YELLOW if name == 'col' else WHITE)
        out = out * (1 - alpha) + colour * alpha
    return np.round(out).astype(np.uint8), layers


@pytest.fixture(scope='module')
def cases():
    rng = np.random.default_rng(0)
    out = []
    for i in range(8):
        s = generate_sample(3, i, (256, 320))
        clean = cv2.cvtColor(s['img'], cv2.COLOR_GRAY2BGR)
        if i % 2:  # text on the black border of a sector, as in BUSI
            clean[-30:, :130] = 0
        marked, layers = burn(clean, s['mask'], rng)
        out.append(dict(clean=clean, marked=marked, layers=layers))
    return out


def test_marks_found_and_clean_images_untouched(cases):
    found = {k: 0 for k in ('cal', 'text', 'col')}
    total = dict(found)
    detected = astray = 0
    for case in cases:
        assert not detect_marks(case['clean']).any()
        marks = detect_marks(case['marked'])
        for name, layer in case['layers'].items():
            core = layer > 128
            found[name] += int((marks & core).sum())
            total[name] += int(core.sum())
        drawn = np.zeros(marks.shape, bool)
        for layer in case['layers'].values():
            drawn |= layer > 0
        near = cv2.dilate(drawn.astype(np.uint8), np.ones((5, 5))) > 0
        detected += int(marks.sum())
        astray += int((marks & ~near).sum())
    # little away from the marks: a speckle grain beside a caliper may
    # join it (the text rule reaches 7 pixels sideways)
    assert astray <= 0.03 * detected
    assert found['cal'] / total['cal'] >= 0.85
    assert found['text'] / total['text'] >= 0.8
    assert found['col'] == total['col']


def test_inpainting_restores_the_tissue(cases):
    case = cases[0]
    out, region, counts = inpaint_marks(case['marked'])
    drawn = np.zeros(region.shape, bool)
    for layer in case['layers'].values():
        drawn |= layer > 128
    before = np.abs(case['marked'].astype(int) - case['clean'])[drawn]
    after = np.abs(out.astype(int) - case['clean'])[drawn]
    assert after.mean() < before.mean() / 3
    np.testing.assert_array_equal(out[~region], case['marked'][~region])
    assert counts['inpainted'] == region.sum() > counts['detected'] > 0
    # a clean image comes back unchanged, nothing counted
    out, region, counts = inpaint_marks(case['clean'])
    np.testing.assert_array_equal(out, case['clean'])
    assert counts == dict(detected=0, inpainted=0) and not region.any()


def test_grey_image_and_anatomy_lines():
    img = np.full((64, 96), 90, np.uint8)
    cv2.line(img, (2, 10), (93, 12), 240, 1)  # a long skin line
    cv2.putText(img, 'RT', (8, 50), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 255, 1)
    marks = detect_marks(img)
    assert not marks[:20].any()  # longer than max_extent: anatomy
    assert marks[35:55, 5:35].sum() >= 15


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(bright_min=0), 'bright_min'),
        (dict(colour_min=300), 'colour_min'),
        (dict(run=1), 'run'),
        (dict(max_extent=3), 'max_extent'),
    ],
)
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        detect_marks(np.zeros((8, 8), np.uint8), **kwargs)
    with pytest.raises(ValueError, match='uint8'):
        detect_marks(np.zeros((8, 8), np.float32))
