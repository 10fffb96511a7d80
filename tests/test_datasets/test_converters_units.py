"""Unit tests of the converter building blocks."""

import numpy as np
import pytest
from PIL import Image

from mmcosa.datasets.converters import (
    ConversionError,
    ConversionSummary,
    dhash,
    find_duplicate_groups,
    hamming_matrix,
    normalise_id,
    read_binary_mask,
    staging_dir,
    stratified_group_folds,
)


def test_dhash_bits_by_hand():
    # brightness falls left to right in every row: no bit set
    falling = np.tile(np.arange(170, 0, -10, dtype=np.uint8), (16, 1))
    assert dhash(falling).tolist() == [0] * 32
    rising = falling[:, ::-1]
    assert dhash(rising).tolist() == [255] * 32
    assert dhash(falling, hash_size=8).shape == (8,)
    with pytest.raises(ValueError, match='2-D grey image'):
        dhash(np.zeros((4, 4, 3)))


def test_hamming_matrix():
    h = np.array([[0b0000_0000], [0b0000_0111], [0b1111_1111]], np.uint8)
    np.testing.assert_array_equal(
        hamming_matrix(h), [[0, 3, 8], [3, 0, 5], [8, 5, 0]]
    )


def test_duplicate_groups_transitive_and_exact():
    h = np.array([[0], [0b11], [0b1111], [0xFF], [0xF0]], np.uint8)
    # 0~1 (2 bits), 1~2 (2 bits): chained; 3, 4 far apart but same pixels
    digests = ['a', 'b', 'c', 'd', 'd']
    assert find_duplicate_groups(h, digests, threshold=2) == [
        [0, 1, 2],
        [3, 4],
    ]
    assert find_duplicate_groups(h, digests, threshold=0) == [[3, 4]]
    with pytest.raises(ValueError, match='threshold must be >= 0'):
        find_duplicate_groups(h, digests, threshold=-1)
    with pytest.raises(ValueError, match='5 hashes but 2 digests'):
        find_duplicate_groups(h, ['a', 'b'])


def test_folds_balanced_and_grouped():
    labels = [0] * 43 + [1] * 21
    groups = (
        [[0, 1, 2], [3, 4], [43, 44], [5, 6]]
        + [[i] for i in range(7, 43)]
        + [[i] for i in range(45, 64)]
    )
    folds = stratified_group_folds(labels, groups, num_folds=5, seed=3)
    for g in groups:
        assert len({folds[i] for i in g}) == 1
    for c, n in ((0, 43), (1, 21)):
        counts = [
            sum(1 for i, f in enumerate(folds) if f == k and labels[i] == c)
            for k in range(5)
        ]
        assert sum(counts) == n
        assert max(abs(x - n / 5) for x in counts) <= 1
    assert folds == stratified_group_folds(labels, groups, 5, seed=3)
    assert folds != stratified_group_folds(labels, groups, 5, seed=4)


def test_folds_errors():
    with pytest.raises(ValueError, match='num_folds must be an int >= 2'):
        stratified_group_folds([0, 1], [[0], [1]], num_folds=1)
    with pytest.raises(ValueError, match='exactly once'):
        stratified_group_folds([0, 1], [[0], [0]], num_folds=2)
    with pytest.raises(ValueError, match='only 1 independent image group'):
        stratified_group_folds([0, 1], [[0, 1]], num_folds=2)


@pytest.fixture
def disc():
    arr = np.zeros((20, 30), np.uint8)
    arr[5:12, 8:20] = 255
    return arr


@pytest.mark.parametrize('mode', ['1', 'L', 'RGB', 'RGBA', 'P', 'LA', 'I'])
def test_mask_modes(tmp_path, disc, mode):
    path = tmp_path / 'm.png'
    img = Image.fromarray(disc)
    img = (
        img.convert(mode)
        if mode != 'I'
        else Image.fromarray(disc.astype(np.uint16) * 257)
    )
    img.save(path)
    np.testing.assert_array_equal(read_binary_mask(path), disc > 0)


def test_mask_opaque_black_rgba_is_empty(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 3] = 255
    Image.fromarray(rgba).save(tmp_path / 'm.png')
    assert not read_binary_mask(tmp_path / 'm.png').any()


def test_mask_in_alpha_channel(tmp_path, disc):
    rgba = np.zeros(disc.shape + (4,), np.uint8)
    rgba[..., 3] = disc
    Image.fromarray(rgba).save(tmp_path / 'm.png')
    np.testing.assert_array_equal(
        read_binary_mask(tmp_path / 'm.png'), disc > 0
    )


def test_mask_errors(tmp_path):
    with pytest.raises(ConversionError, match='missing.png: cannot be read'):
        read_binary_mask(tmp_path / 'missing.png')
    arr = np.full((4, 4), 1, np.uint8)
    Image.fromarray(arr).save(tmp_path / 'ones.png')
    with pytest.raises(ConversionError, match=r'values \{1\} besides 0'):
        read_binary_mask(tmp_path / 'ones.png')


def test_normalise_id():
    assert normalise_id(1) == normalise_id(1.0) == '1'
    assert normalise_id('000001') == normalise_id(' 000001.png ') == '1'
    assert normalise_id('Case A') == 'case a'


def test_staging_cleans_up_on_error(tmp_path):
    out = tmp_path / 'out'
    with pytest.raises(RuntimeError, match='boom'):
        with staging_dir(out) as tmp:
            (tmp / 'half.txt').write_text('x')
            raise RuntimeError('boom')
    assert list(tmp_path.iterdir()) == []
    with staging_dir(out) as tmp:
        (tmp / 'meta.json').write_text('{}')
    assert [p.name for p in out.iterdir()] == ['meta.json']


def test_summary_format():
    s = ConversionSummary(
        'BUSI',
        'out',
        counts={'benign': 3, 'malignant': 1},
        merged_masks={f'b{i}.png': ['m.png', 'm_1.png'] for i in range(23)},
        duplicate_groups=[
            dict(
                members=['a.png', 'b.png'],
                labels=['benign', 'malignant'],
                conflict=True,
                level='same_frame',
                links=[
                    dict(
                        members=['a.png', 'b.png'],
                        level='same_frame',
                        method='keypoints',
                        inliers=163,
                        matches=170,
                        difference=1.26,
                        offset_difference=1.1,
                        correlation=0.9987,
                        scale=0.83,
                        rotation=0.0,
                        overlap=0.97,
                        hash_distance=31,
                    )
                ],
            )
        ],
        dedup=dict(mode='full', candidates=12, seconds=0.4),
        excluded_conflicts=['a.png', 'b.png'],
    )
    text = s.format()
    assert text.startswith('BUSI -> out: 4 images (benign 3, malignant 1)')
    assert 'b19.png <- m.png | m_1.png' in text
    assert 'b20.png' not in text and '... 3 more, listed in meta.json' in text
    assert (
        'duplicates (full search, 12 pair(s) checked in 0.4 s): 1 group(s) '
        '(1 same frame, 0 same lesion; 2 images)' in text
    )
    assert '[same frame] CONFLICT a.png (benign), b.png (malignant)' in text
    assert (
        'a.png ~ b.png: same frame (keypoints; 163 inliers, scale 0.83, '
        'grey difference 1.3 / 1.1 offset-free, correlation 0.999)' in text
    )
    assert (
        'conflicts: 1 group(s) with different labels; 2 image(s) '
        'excluded' in text
    )
