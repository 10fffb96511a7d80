"""Tests of the phantom generator and BUSPhantomDataset."""

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from scipy.stats import rankdata

from mmcosa.datasets.phantom import (
    BUSPhantomDataset,
    generate_sample,
    label_of_index,
    render_case,
)
from mmcosa.datasets.phantom.generator import to_hw

SIZE = 64


def auc(labels, scores) -> float:
    """Mann-Whitney ROC AUC of ``scores`` for label 1 against label 0."""
    labels = np.asarray(labels)
    ranks = rankdata(scores)
    n1 = labels.sum()
    n0 = len(labels) - n1
    return (ranks[labels == 1].sum() - n1 * (n1 + 1) / 2) / (n0 * n1)


def solidity(mask: np.ndarray) -> float:
    """Lesion area over its convex hull area (1 for a convex lesion)."""
    contours, _ = cv2.findContours(
        mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
    )
    hull = cv2.convexHull(np.concatenate(contours))
    return mask.sum() / max(cv2.contourArea(hull), 1.0)


@pytest.fixture(scope='module')
def pool():
    """120 samples at 96x96 (about 1 s)."""
    return [generate_sample(3, i, 96) for i in range(120)]


def test_generate_sample_deterministic_per_seed_and_index():
    a = generate_sample(0, 5, SIZE)
    b = generate_sample(0, 5, SIZE)
    assert np.array_equal(a['img'], b['img'])
    assert np.array_equal(a['mask'], b['mask'])
    assert a['label'] == b['label'] == label_of_index(5, 0.5)
    assert not np.array_equal(a['img'], generate_sample(0, 6, SIZE)['img'])
    assert not np.array_equal(a['img'], generate_sample(1, 5, SIZE)['img'])


def test_generate_sample_types_and_masks(pool):
    for s in pool[:20]:
        assert s['img'].shape == (96, 96) and s['img'].dtype == np.uint8
        assert s['mask'].shape == (96, 96) and s['mask'].dtype == np.uint8
        assert set(np.unique(s['mask'])) == {0, 1}  # binary, non-empty
        assert s['label'] in (0, 1)
        # a B-mode image, not a flat or saturated one
        assert 40 < s['img'].mean() < 200 and s['img'].std() > 20
    rect = generate_sample(0, 0, (48, 80))
    assert rect['img'].shape == rect['mask'].shape == (48, 80)


def test_label_of_index_spreads_malignant_evenly():
    labels = [label_of_index(i, 0.5) for i in range(10)]
    assert labels == [0, 1] * 5
    third = [label_of_index(i, 1 / 3) for i in range(300)]
    assert sum(third) == 100
    # every prefix holds floor(n * ratio) malignant cases
    assert all(sum(third[:n]) == n // 3 for n in range(1, 300))
    assert sum(label_of_index(i, 0.0) for i in range(50)) == 0
    assert sum(label_of_index(i, 1.0) for i in range(50)) == 50


def test_global_statistics_do_not_predict_the_label(pool):
    labels = [s['label'] for s in pool]
    assert sum(labels) == 60
    for stat in (np.mean, np.std, np.median):
        a = auc(labels, [stat(s['img']) for s in pool])
        assert 0.3 < a < 0.7, (stat.__name__, a)
    # lesion size follows the same distribution in both classes
    a = auc(labels, [s['mask'].mean() for s in pool])
    assert 0.3 < a < 0.7, a


def test_lesion_shape_predicts_the_label(pool):
    # the class lies in the lesion: irregular (less convex) malignant
    # outlines, parallel (wider than tall) benign ones
    labels = [s['label'] for s in pool]
    assert auc(labels, [-solidity(s['mask']) for s in pool]) > 0.75

    def height_over_width(mask):
        ys, xs = np.nonzero(mask)
        return np.ptp(ys) / max(np.ptp(xs), 1)

    assert auc(labels, [height_over_width(s['mask']) for s in pool]) > 0.75


def test_render_case_normal_and_multi_lesion():
    rng = np.random.default_rng(0)
    img, masks, meta = render_case(rng, 'normal', (SIZE, SIZE))
    assert img.shape == (SIZE, SIZE) and masks == [] and meta == []
    img, masks, meta = render_case(rng, 1, (SIZE, SIZE), num_lesions=2)
    assert len(masks) == len(meta) == 2
    assert not (masks[0] & masks[1]).any()  # second lesion avoids the first
    assert {'kind', 'shape_suspicious', 'margin_suspicious'} <= set(meta[0])
    with pytest.raises(ValueError, match='label must be one of'):
        render_case(rng, 'cyst', (SIZE, SIZE))


def test_to_hw_checks():
    assert to_hw(32) == (32, 32) and to_hw([40, 50]) == (40, 50)
    with pytest.raises(TypeError, match='img_size must be an int or a pair'):
        to_hw(64.0)
    with pytest.raises(ValueError, match='at least 32 pixels'):
        to_hw((16, 64))


def _ds(**kwargs):
    cfg = dict(type='BUSPhantomDataset', num_samples=23, img_size=SIZE)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_folds_disjoint_covering_and_stratified():
    tests, labels = [], None
    for k in range(5):
        train = _ds(split='train', fold=k)
        test = _ds(split='test', fold=k)
        tr = {d['phantom_index'] for d in train.load_data_list()}
        te = {d['phantom_index'] for d in test.load_data_list()}
        assert tr.isdisjoint(te) and tr | te == set(range(23))
        tests.append(te)
        labels = test.pool_labels()
    assert sorted(i for t in tests for i in t) == list(range(23))
    sizes = [len(t) for t in tests]
    assert max(sizes) - min(sizes) <= 1
    mal = [sum(labels[i] for i in t) for t in tests]
    assert max(mal) - min(mal) <= 1 and sum(mal) == labels.sum() == 11
    # another seed deals other folds
    other = _ds(split='test', fold=0, seed=1)
    assert {d['phantom_index'] for d in other.load_data_list()} != tests[0]
    assert len(_ds(split='all')) == 23


def test_results_dict_starts_after_loading():
    ds = _ds(split='test', fold=2)
    assert ds.metainfo['classes'] == ('background', 'tumour')
    assert ds.metainfo['cls_classes'] == ('benign', 'malignant')
    r = ds[0]
    i = r['phantom_index']
    ref = generate_sample(0, i, SIZE)
    assert r['img'].shape == (SIZE, SIZE, 3) and r['img'].dtype == np.uint8
    assert np.array_equal(r['img'][..., 1], ref['img'])
    assert np.array_equal(r['gt_seg_map'], ref['mask'])
    assert r['gt_label'] == ref['label']
    assert r['seg_fields'] == ['gt_seg_map']
    assert r['img_shape'] == r['ori_shape'] == (SIZE, SIZE)
    assert r['img_path'] == f'phantom_s0_{i:05d}.png'
    assert r['seg_map_path'] is None
    grey = _ds(split='test', fold=2, color_type='grayscale')[0]
    assert grey['img'].shape == (SIZE, SIZE)


def test_cache_gives_the_same_samples():
    lazy = _ds(split='test', fold=1)
    cached = _ds(split='test', fold=1, cache=True)
    assert len(lazy) == len(cached) == 5
    for a, b in zip(lazy, cached):
        assert np.array_equal(a['img'], b['img'])
        assert np.array_equal(a['gt_seg_map'], b['gt_seg_map'])
        assert a['gt_label'] == b['gt_label']


def test_one_sample_through_the_paper_pipeline():
    init_default_scope('mmseg')
    pipeline = [
        dict(type='RandomRotate', prob=1.0, degree=5, seg_pad_val=0),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='RandomFlip', prob=0.5, direction='vertical'),
        dict(type='RandomGaussianBlur', prob=1.0),
        dict(type='RandomMedianBlur', prob=1.0),
        dict(type='PackBUSInputs'),
    ]
    out = _ds(split='train', pipeline=pipeline)[3]
    assert out['inputs'].shape == (3, SIZE, SIZE)
    assert out['inputs'].dtype == torch.uint8
    sample = out['data_samples']
    assert isinstance(sample, SegDataSample)
    assert sample.gt_sem_seg.data.shape == (1, SIZE, SIZE)
    assert set(sample.gt_sem_seg.data.unique().tolist()) <= {0, 1}
    assert sample.gt_label.dtype == torch.long
    assert sample.gt_label.shape == (1,)
    index = int(sample.img_path[-9:-4])  # phantom_s0_{index:05d}.png
    assert sample.gt_label.item() == label_of_index(index, 0.5)


@pytest.mark.parametrize(
    'kwargs, err, match',
    [
        (dict(split='val'), ValueError, 'split must be one of'),
        (dict(fold=5), ValueError, r'fold must be in \[0, 4\]'),
        (dict(num_folds=1), ValueError, 'num_folds must be >= 2'),
        (
            dict(num_samples=3),
            ValueError,
            r'num_samples \(3\) must be at least',
        ),
        (dict(num_samples=10.0), TypeError, 'num_samples must be an int'),
        (dict(seed=-1), ValueError, 'seed must be >= 0'),
        (dict(malignant_ratio=1.5), ValueError, r'malignant_ratio must be in'),
        (dict(p_atypical=-0.1), ValueError, r'p_atypical must be in'),
        (dict(color_type='rgb'), ValueError, 'color_type must be one of'),
        (dict(img_size=8), ValueError, 'at least 32 pixels'),
    ],
)
def test_dataset_argument_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        BUSPhantomDataset(**{'num_samples': 20, **kwargs})


def test_phantom_config_dataloaders():
    from mmengine.config import Config
    from mmengine.runner import Runner

    init_default_scope('mmseg')
    repo = Path(__file__).resolve().parents[2]
    cfg = Config.fromfile(repo / 'configs/_base_/datasets/phantom.py')
    assert [e['type'] for e in cfg.val_evaluator] == [
        'BUSSegMetric',
        'BUSClsMetric',
    ]
    for key, split in (
        ('train_dataloader', 'train'),
        ('val_dataloader', 'test'),
    ):
        loader_cfg = cfg[key]
        assert loader_cfg.dataset.split == split
        loader_cfg.dataset.update(num_samples=20, img_size=SIZE)
        loader = Runner.build_dataloader(loader_cfg)
        batch = next(iter(loader))
        n = min(loader_cfg.batch_size, len(loader.dataset))
        assert len(batch['inputs']) == len(batch['data_samples']) == n
        assert batch['inputs'][0].shape == (3, SIZE, SIZE)
        assert all(s.gt_label.shape == (1,) for s in batch['data_samples'])
    assert len(Runner.build_dataloader(cfg.train_dataloader).dataset) == 16
    us = dict(cfg.train_dataloader.dataset, pipeline=cfg.us_train_pipeline)
    out = DATASETS.build(us)[0]
    assert out['data_samples'].gt_label.dtype == torch.long


def test_generate_sample_argument_errors():
    with pytest.raises(ValueError, match='index must be an int >= 0'):
        generate_sample(0, -1, SIZE)
    with pytest.raises(ValueError, match='seed must be an int >= 0'):
        generate_sample(1.5, 0, SIZE)


def test_phantom_montage(tmp_path):
    from mmcosa.cli.phantom import phantom_figure_main
    from mmcosa.datasets.phantom import phantom_montage

    montage = phantom_montage(per_class=2, img_size=48, gap=4)
    assert montage.shape == (2 * 48 + 4, 2 * 48 + 4, 3)
    assert (montage[48:52] == 255).all()  # white gap between the rows
    # contours: green on the benign row, red on the malignant row
    top, bottom = montage[:48].astype(int), montage[52:].astype(int)
    assert ((top[..., 1] - top[..., 2]) > 100).any()
    assert ((bottom[..., 2] - bottom[..., 1]) > 100).any()
    out = tmp_path / 'fig.png'
    assert (
        phantom_figure_main([str(out), '--per-class', '1', '--img-size', '48'])
        == 0
    )
    assert cv2.imread(str(out)).shape == (2 * 48 + 4, 48, 3)
