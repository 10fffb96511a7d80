"""Lesion area and longest diameter in mm, and where the pixel size is from."""

import itertools
import math

import numpy as np
import pytest

from mmcosa.utils.dicom_io import UltrasoundRegion
from mmcosa.utils.lesion_size import (
    lesion_area_mm2,
    lesion_box,
    longest_diameter_mm,
    region_pixel_size,
)

DY, DX = 0.3, 0.1  # mm: anisotropic on purpose


def _brute_force_feret(mask, dy, dx):
    """Longest distance between any two pixel corners, scaled to mm."""
    ys, xs = np.nonzero(mask)
    corners = {
        (x + ox, y + oy)
        for x, y in zip(xs, ys)
        for ox, oy in itertools.product((-0.5, 0.5), repeat=2)
    }
    pts = np.array(sorted(corners)) * np.array([dx, dy])
    gaps = pts[:, None] - pts[None]
    return float(np.sqrt((gaps**2).sum(-1)).max())


def _region(box=(0, 0, 99, 99), deltas=(DX / 10, DY / 10), units=(3, 3)):
    return UltrasoundRegion(box, units, deltas)


def test_rectangle_by_hand():
    mask = np.zeros((40, 50), np.uint8)
    mask[5:15, 10:30] = 1  # 10 rows x 20 columns
    assert lesion_box(mask) == (10, 5, 29, 14)
    assert lesion_area_mm2(mask, (DY, DX)) == pytest.approx(200 * DY * DX)
    # corner to corner: 20 px * 0.1 mm across, 10 px * 0.3 mm down
    expected = math.hypot(20 * DX, 10 * DY)
    assert longest_diameter_mm(mask, (DY, DX)) == pytest.approx(expected)


def test_one_pixel_and_empty_mask():
    mask = np.zeros((5, 5), np.uint8)
    assert lesion_box(mask) is None
    assert longest_diameter_mm(mask, (DY, DX)) is None
    assert lesion_area_mm2(mask, (DY, DX)) == 0
    mask[2, 3] = 1
    assert longest_diameter_mm(mask, (DY, DX)) == pytest.approx(
        math.hypot(DX, DY)
    )


def test_anisotropic_spacing_is_applied_before_the_longest_distance():
    # a cross: 31 px wide, 15 px tall. In pixels the horizontal bar is the
    # longest; at dy = 3 * dx the vertical one is.
    mask = np.zeros((20, 40), np.uint8)
    mask[10, 2:33] = 1
    mask[3:18, 17] = 1
    measured = longest_diameter_mm(mask, (DY, DX))
    assert measured == pytest.approx(_brute_force_feret(mask, DY, DX))
    # the tips of the vertical bar: 15 rows and 1 column of corners apart
    assert measured == pytest.approx(math.hypot(1 * DX, 15 * DY))
    assert longest_diameter_mm(mask, (1.0, 1.0)) == pytest.approx(
        math.hypot(31, 1)
    )


def test_disc_and_largest_component():
    yy, xx = np.mgrid[0:60, 0:60]
    disc = ((yy - 30) ** 2 + (xx - 25) ** 2 <= 12**2).astype(np.uint8)
    speck = np.zeros_like(disc)
    speck[2:4, 55:58] = 1  # far away: would dominate the diameter
    mask = disc | speck
    measured = longest_diameter_mm(mask, (DY, DX))
    assert measured == pytest.approx(_brute_force_feret(disc, DY, DX))
    assert 25 * DY <= measured <= 26 * DY  # ~ the vertical diameter
    area = lesion_area_mm2(mask, (DY, DX))
    assert area == pytest.approx((disc.sum() + 6) * DY * DX)


def test_region_pixel_size_of_the_region_holding_the_lesion():
    mask = np.zeros((100, 100), np.uint8)
    mask[40:50, 40:60] = 1
    size, note = region_pixel_size(mask, [_region()])
    assert size == pytest.approx((DY, DX))
    assert note == 'pixel 0.1 x 0.3 mm (dx x dy) from ultrasound region 1'
    # nested regions: the smallest usable one holding the lesion
    inner = _region((30, 30, 70, 70), deltas=(0.02, 0.02))
    bad_inner = _region((35, 35, 65, 65), units=(0, 0))
    size, note = region_pixel_size(mask, [_region(), inner, bad_inner])
    assert size == pytest.approx((0.2, 0.2)) and note.endswith('region 2')


@pytest.mark.parametrize(
    'regions, note',
    [
        ([], 'no ultrasound region (0018,6011) in the file'),
        (
            [_region((0, 0, 30, 99))],
            'lesion box x 40-59, y 40-49 lies outside the ultrasound regions',
        ),
        (
            [_region((0, 0, 50, 99))],
            'lesion box x 40-59, y 40-49 extends beyond its ultrasound region',
        ),
        (
            [_region((0, 0, 50, 99)), _region((51, 0, 99, 99))],
            'lesion box x 40-59, y 40-49 spans 2 ultrasound regions',
        ),
        (
            [_region(units=(4, 3))],
            'ultrasound region 1: region units (x / y) are 4 (seconds) / '
            '3 (cm), not 3 (cm)',
        ),
        (
            [_region(units=(None, 3))],
            'ultrasound region 1: region units (x / y) are missing / 3 (cm), '
            'not 3 (cm)',
        ),
        (
            [_region(deltas=(0.01, 0.0))],
            'ultrasound region 1: region physical deltas (x / y) 0.01 / 0.0 '
            'are not positive',
        ),
    ],
)
def test_why_there_is_no_pixel_size(regions, note):
    mask = np.zeros((100, 100), np.uint8)
    mask[40:50, 40:60] = 1
    assert region_pixel_size(mask, regions) == (None, note)


def test_no_lesion_predicted():
    empty = np.zeros((10, 10), np.uint8)
    assert region_pixel_size(empty, [_region()]) == (
        None,
        'no lesion predicted',
    )
