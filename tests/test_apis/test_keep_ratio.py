"""Aspect-preserving resize: masks come back onto the original image.

The recipe of docs/en/shortcut_audit.md (``keep_ratio_256.py`` beside a
full config) is loaded as written there. A tiny UNet that segments bright
squares (tests/tiny_job.py) is run through the keep-ratio test pipeline on
non-square images, by the inference API and by the data set path of
tools/test.py; the predicted mask must overlap the drawn rectangle at the
original size. mmcv's ``Pad``, which pads without recording it, is the
negative control: its masks come back stretched.
"""

import os.path as osp
import re

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmcosa.apis import build_inference_pipeline, inference_model, init_model

from ..tiny_job import (
    REPO,
    train_tiny_checkpoint,
    write_tiny_config,
    write_tiny_data,
)
from .tiny_mtl import save_random_checkpoint, write_tiny_mtl_config

DOC = osp.join(REPO, 'docs', 'en', 'shortcut_audit.md')
#: (h, w) of the test images: wide and tall.
SHAPES = ((120, 300), (300, 130))


def recipe(path: str) -> str:
    """Write the documented keep-ratio leaf to ``path``, bases absolute."""
    text = open(DOC, encoding='utf-8').read()
    blocks = re.findall(r'```python\n(.*?)```', text, re.S)
    (leaf,) = [b for b in blocks if 'keep_ratio_256.py' in b]
    leaf = leaf.replace("'./", repr(osp.join(REPO, 'configs', ''))[:-1])
    with open(path, 'w') as f:
        f.write(leaf)
    return path


def case(shape, seed=0):
    """A dark image with one bright rectangle, and its mask."""
    h, w = shape
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[h // 4 : 3 * h // 4, w // 3 : 5 * w // 6] = 1
    img[mask == 1] += 150
    return img, mask


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(bool), b.astype(bool)
    return float((a & b).sum() / (a | b).sum())


@pytest.fixture(scope='module')
def segmenter(tmp_path_factory):
    """The tiny bright-square UNet and the keep-ratio test pipeline."""
    root = tmp_path_factory.mktemp('keep_ratio')
    write_tiny_data(str(root / 'data'))
    config = write_tiny_config(str(root / 'tiny.py'), str(root / 'data'))
    ckpt = train_tiny_checkpoint(
        config, str(root / 'data'), str(root / 'tiny.pth')
    )
    leaf = Config.fromfile(recipe(str(root / 'leaf.py')))
    return dict(root=root, config=config, ckpt=ckpt, leaf=leaf)


def test_recipe_changes_only_the_pipelines(tmp_path):
    leaf = Config.fromfile(recipe(str(tmp_path / 'leaf.py')))
    full = Config.fromfile(osp.join(REPO, 'configs', 'mtl_cosa_r101_busi.py'))
    assert leaf.model.to_dict() == full.model.to_dict()
    for key in ('optim_wrapper', 'param_scheduler', 'test_evaluator'):
        assert leaf[key] == full[key]
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        a, b = leaf[name].to_dict(), full[name].to_dict()
        steps = a['dataset'].pop('pipeline')
        b['dataset'].pop('pipeline')
        assert a == b  # data root, fold, split, batch size unchanged
        kinds = [s['type'] for s in steps]
        resize = steps[kinds.index('Resize')]
        assert resize['keep_ratio'] and tuple(resize['scale']) == (256, 256)
        assert kinds.index('PadToSize') == kinds.index('Resize') + 1
        assert 'padding_size' in steps[-1]['meta_keys']
    assert leaf.test_pipeline == leaf.test_dataloader.dataset.pipeline
    # test-time augmentation pads after the flips
    (tta,) = [s for s in leaf.tta_pipeline if s['type'] == 'TestTimeAug']
    kinds = [[s['type'] for s in group] for group in tta['transforms']]
    assert kinds.index(['PadToSize']) > kinds.index(
        ['RandomFlip', 'RandomFlip']
    )


@pytest.mark.parametrize('shape', SHAPES)
def test_inference_api_mask_on_the_original_image(segmenter, shape):
    img, mask = case(shape)
    leaf = segmenter['leaf']
    model = init_model(
        segmenter['config'],
        segmenter['ckpt'],
        cfg_options=dict(test_pipeline=leaf.keep_ratio_test_pipeline),
    )
    pred = inference_model(model, img, channel_order='bgr')
    assert pred.mask.shape == shape
    assert iou(pred.mask, mask) >= 0.9
    # negative control: mmcv's Pad records nothing, the mask is stretched
    unrecorded = [
        dict(type='Pad', size=(256, 256)) if s['type'] == 'PadToSize' else s
        for s in leaf.keep_ratio_test_pipeline
    ]
    model = init_model(
        segmenter['config'],
        segmenter['ckpt'],
        cfg_options=dict(test_pipeline=unrecorded),
    )
    assert iou(inference_model(model, img, 'bgr').mask, mask) < 0.5


def test_test_split_mask_on_the_original_image(segmenter):
    """The data path of tools/test.py: BUSDataset + the keep-ratio test
    pipeline; ground truth and prediction at the original size."""
    import cv2

    root = segmenter['root'] / 'prepared'
    for sub in ('images', 'masks', 'splits'):
        (root / sub).mkdir(parents=True)
    names = []
    for i, shape in enumerate(SHAPES):
        img, mask = case(shape, seed=i)
        names.append(f'c{i}.png')
        cv2.imwrite(str(root / 'images' / names[-1]), img)
        cv2.imwrite(str(root / 'masks' / names[-1]), mask)
    (root / 'labels.csv').write_text(
        'filename,label,class_name\nc0.png,0,benign\nc1.png,1,malignant\n'
    )
    (root / 'splits' / 'fold_0_test.txt').write_text('\n'.join(names))
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(
            type='BUSDataset',
            data_root=str(root),
            split='test',
            pipeline=segmenter['leaf'].keep_ratio_test_pipeline,
        )
    )
    model = init_model(segmenter['config'], segmenter['ckpt'])
    samples = model.test_step(pseudo_collate([dataset[0], dataset[1]]))
    for sample, shape in zip(samples, SHAPES):
        pred = sample.pred_sem_seg.data[0].numpy()
        gt = sample.gt_sem_seg.data[0].numpy()
        assert pred.shape == gt.shape == shape
        assert sample.padding_size != (0, 0, 0, 0)
        assert iou(pred, gt) >= 0.9


def test_multi_task_outputs_at_the_original_size(segmenter, tmp_path):
    """MTL-COSA through the inference API: mask and COSA region maps are
    cropped of the padding and brought to the original size."""
    config = write_tiny_mtl_config(str(tmp_path / 'mtl.py'))
    ckpt = save_random_checkpoint(config, str(tmp_path / 'mtl.pth'))
    steps = [
        dict(s, scale=(64, 64)) if s['type'] == 'Resize' else s
        for s in segmenter['leaf'].keep_ratio_test_pipeline
    ]
    steps = [
        dict(s, size=(64, 64)) if s['type'] == 'PadToSize' else s
        for s in steps
    ]
    model = init_model(config, ckpt, cfg_options=dict(test_pipeline=steps))
    pipeline = build_inference_pipeline(model.cfg)
    assert [type(t).__name__ for t in pipeline.transforms] == [
        'Resize',
        'PadToSize',
        'PackBUSInputs',
    ]
    pred = inference_model(model, case((50, 90))[0], 'bgr')
    assert pred.mask.shape == (50, 90)
    assert pred.regions.shape == (3, 50, 90)
    np.testing.assert_allclose(pred.regions.sum(0), 1.0)
