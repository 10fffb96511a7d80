"""Fixtures of the config tests: a tiny prepared BUS folder."""

import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest


def write_tiny_bus_folder(root: str) -> str:
    """Write a 6-image prepared BUS folder (the converters' layout).

    Images are grey-on-grey ellipses of several sizes (not square, not
    256x256, so the configs' resizing is exercised); benign lesions are
    round, malignant ones elongated. One fold: 4 training images, 2 test
    images, both classes in each split.

    Args:
        root (str): Folder to create.

    Returns:
        str: ``root``.
    """
    rng = np.random.default_rng(0)
    for sub in ('images', 'masks', 'splits'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    rows = []
    names = {'train': [], 'test': []}
    for i in range(6):
        label = i % 2
        h, w = 40 + 4 * i, 52 + 2 * i
        img = rng.integers(90, 140, (h, w), dtype=np.uint8)
        mask = np.zeros((h, w), np.uint8)
        axes = (8, 8) if label == 0 else (12, 5)
        cv2.ellipse(mask, (w // 2, h // 2), axes, 0, 0, 360, 1, -1)
        img[mask == 1] //= 3
        name = f'case_{i}.png'
        cv2.imwrite(
            osp.join(root, 'images', name),
            cv2.cvtColor(img, cv2.COLOR_GRAY2BGR),
        )
        cv2.imwrite(osp.join(root, 'masks', name), mask)
        rows.append(f'{name},{label},{("benign", "malignant")[label]}')
        names['test' if i >= 4 else 'train'].append(name)
    with open(osp.join(root, 'labels.csv'), 'w') as f:
        f.write('filename,label,class_name\n' + '\n'.join(rows) + '\n')
    for split, split_names in names.items():
        with open(osp.join(root, 'splits', f'fold_0_{split}.txt'), 'w') as f:
            f.write('\n'.join(split_names) + '\n')
    with open(osp.join(root, 'meta.json'), 'w') as f:
        json.dump(dict(source='tests', num_folds=1), f)
    return root


@pytest.fixture(scope='session')
def tiny_bus_root(tmp_path_factory) -> str:
    """A tiny prepared BUS folder shared by the tests of a session."""
    return write_tiny_bus_folder(str(tmp_path_factory.mktemp('tiny_bus')))
