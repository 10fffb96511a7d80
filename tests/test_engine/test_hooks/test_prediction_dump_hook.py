"""PredictionDumpHook (``tools/test.py --out``) with a fake runner."""

import csv
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from PIL import Image

from mmcosa.engine import PredictionDumpHook


def _sample(name, regions=None):
    sample = SegDataSample(metainfo=dict(img_path=f'/data/{name}.png'))
    mask = torch.zeros(1, 6, 8, dtype=torch.long)
    mask[:, 2:4, 3:6] = 1
    sample.pred_sem_seg = PixelData(data=mask)
    sample.pred_score = torch.tensor([0.25, 0.75])
    sample.pred_label = torch.tensor([1])
    if regions is not None:
        sample.pred_regions = PixelData(data=regions)
    return sample


def _run(tmp_path, samples):
    out = str(tmp_path / 'out')
    runner = SimpleNamespace(
        test_dataloader=SimpleNamespace(dataset=list(samples))
    )
    hook = PredictionDumpHook(out)
    hook.before_test(runner)
    hook.after_test_iter(runner, 0, outputs=samples)
    hook.after_test_epoch(runner)
    return tmp_path / 'out'


def test_writes_masks_regions_and_csv(tmp_path):
    regions = torch.zeros(3, 6, 8)
    regions[0] = 1
    regions[:, 2:4, 3:6] = torch.tensor([0.0, 1.0, 0.0])[:, None, None]
    regions[:, 1, 2:7] = torch.tensor([0.0, 0.0, 1.0])[:, None]
    # A TTA mean: 0.5 tumour / 0.5 margin goes to the lower label.
    regions[:, 5, 0] = torch.tensor([0.0, 0.5, 0.5])
    out = _run(tmp_path, [_sample('a', regions), _sample('b', regions)])
    mask = np.array(Image.open(out / 'masks' / 'a.png'))
    assert mask.dtype == np.uint8 and mask.sum() == 6
    labels = np.array(Image.open(out / 'regions' / 'b.png'))
    expected = np.zeros((6, 8), np.uint8)
    expected[2:4, 3:6] = 1
    expected[1, 2:7] = 2
    expected[5, 0] = 1
    np.testing.assert_array_equal(labels, expected)
    with open(out / 'predictions.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['file'] for r in rows] == ['a', 'b']
    assert rows[0]['pred_label'] == '1' and rows[0]['tumour_px'] == '6'
    assert rows[0]['score_1'] == '0.750000'


def test_no_regions_folder_without_pred_regions(tmp_path):
    out = _run(tmp_path, [_sample('a')])
    assert (out / 'masks' / 'a.png').is_file()
    assert not (out / 'regions').exists()


def test_bad_out_dir():
    with pytest.raises(TypeError, match='out_dir must be a non-empty str'):
        PredictionDumpHook('')
