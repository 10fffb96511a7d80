"""A classifier that has learned a lesion-only class, for the audit tests.

The data are 48x48 grey phantom tissue images with one dark ellipse;
the class lies in the ellipse alone: benign ones are wider than tall,
malignant ones taller than wide, with the same axis lengths, position and
background in both classes. So a model that learned the class reads it inside
the lesion window only: hiding the window must bring its AUC to about 0.5,
keeping only the window must not. A LeNet-5 (mmpretrain, the repository's
``lenet`` baseline) learns it in about 150 Adam steps (a few seconds).

Every fourth test image carries a burnt-in ``+`` caliper in a corner, on
both classes alike, for the overlay-mark count of the report.
"""

import json
import os
import os.path as osp
from typing import Dict, List

import cv2
import numpy as np

from mmcosa.datasets.phantom.generator import render_case

from ..test_apis.tiny_mtl import REPO

SIZE = 48
NUM_TEST = 40
NUM_TRAIN = 240

CLS_CONFIG = """
_base_ = [{runtime!r}]
model = dict(
    _scope_='mmpretrain',
    type='BUSImageClassifier',
    data_preprocessor=dict(
        type='GreyClsDataPreprocessor', mean=127.5, std=127.5),
    backbone=dict(type='LeNet5', num_classes=-1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=2, in_channels=120,
              loss=dict(type='CrossEntropyLoss'), topk=(1,)))
test_pipeline = [dict(type='LoadImageFromFile'),
                 dict(type='mmpretrain.PackInputs')]
test_dataloader = dict(
    batch_size=8, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='BUSDataset', data_root={data_root!r}, fold=0,
                 split='test', pipeline=test_pipeline))
test_evaluator = [dict(type='BUSClsMetric', positive_class='malignant')]
"""


def make_case(rng: np.random.Generator, label: int):
    """One image ``(48, 48)`` uint8 and its ellipse mask.

    The background is a lesion-free phantom case (speckle, tissue layers,
    hypoechoic ducts), the same for both classes.
    """
    img = render_case(rng, 'normal', (SIZE, SIZE))[0].astype(np.float32)
    long_axis, short_axis = rng.uniform(8, 11), rng.uniform(4, 6)
    axes = (long_axis, short_axis) if label == 0 else (short_axis, long_axis)
    cx, cy = rng.uniform(14, 34, 2)
    mask = np.zeros((SIZE, SIZE), np.uint8)
    cv2.ellipse(
        mask,
        (int(round(cx * 16)), int(round(cy * 16))),
        (int(round(axes[0] * 16)), int(round(axes[1] * 16))),
        rng.uniform(-15, 15),
        0,
        360,
        1,
        -1,
        shift=4,
    )
    img = np.where(mask > 0, img * 0.35, img)
    return np.clip(img, 0, 255).astype(np.uint8), mask


def add_caliper(img: np.ndarray) -> np.ndarray:
    """Burn a white ``+`` (7-pixel arms) into the top-left corner."""
    out = img.copy()
    cv2.line(out, (3, 6), (9, 6), 255, 1)
    cv2.line(out, (6, 3), (6, 9), 255, 1)
    return out


def write_cases(root: str) -> Dict[str, List]:
    """Write the prepared folder (fold 0: 40 test, 240 train images).

    Returns:
        dict: ``train`` images, ``train_labels``, ``marked`` test names.
    """
    rng = np.random.default_rng(0)
    for sub in ('images', 'masks', 'splits'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    rows, splits, marked = [], dict(train=[], test=[]), []
    train, train_labels = [], []
    for i in range(NUM_TEST + NUM_TRAIN):
        label = i % 2
        img, mask = make_case(rng, label)
        name = f'case_{i:03d}.png'
        split = 'test' if i < NUM_TEST else 'train'
        if split == 'test' and i % 4 == 1:
            img = add_caliper(img)
            marked.append(name)
        if split == 'train':
            train.append(img)
            train_labels.append(label)
        cv2.imwrite(osp.join(root, 'images', name), img)
        cv2.imwrite(osp.join(root, 'masks', name), mask)
        rows.append(f'{name},{label},{("benign", "malignant")[label]}')
        splits[split].append(name)
    with open(osp.join(root, 'labels.csv'), 'w') as f:
        f.write('filename,label,class_name\n' + '\n'.join(rows) + '\n')
    for split, names in splits.items():
        with open(osp.join(root, 'splits', f'fold_0_{split}.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
    with open(osp.join(root, 'meta.json'), 'w') as f:
        json.dump(dict(source='tests', num_folds=2), f)
    return dict(train=train, train_labels=train_labels, marked=marked)


def write_cls_config(path: str, data_root: str) -> str:
    """Write the LeNet config reading ``data_root`` and return ``path``."""
    runtime = osp.join(REPO, 'configs', '_base_', 'default_runtime.py')
    with open(path, 'w') as f:
        f.write(CLS_CONFIG.format(runtime=runtime, data_root=data_root))
    return path


def train_lenet(config: str, imgs, labels, path: str, iters: int = 150):
    """Fit the LeNet with a plain Adam loop; save an mmengine checkpoint."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import save_checkpoint
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    tensors = [torch.from_numpy(np.repeat(im[None], 3, 0)) for im in imgs]
    rng = np.random.default_rng(1)
    for _ in range(iters):
        idx = rng.choice(len(tensors), 32)
        batch = model.data_preprocessor(
            dict(
                inputs=[tensors[i] for i in idx],
                data_samples=[
                    DataSample().set_gt_label(int(labels[i])) for i in idx
                ],
            ),
            True,
        )
        loss = model(**batch, mode='loss')['loss']
        optim.zero_grad()
        loss.backward()
        optim.step()
    meta = dict(dataset_meta=dict(cls_classes=('benign', 'malignant')))
    save_checkpoint(dict(state_dict=model.state_dict(), meta=meta), path)
    return path
