"""BUSVisualizationHook with fake runners (no image files needed)."""

import os
from types import SimpleNamespace
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmcosa.datasets.metainfo import CLASS_NAMES
from mmcosa.engine import BUSVisualizationHook
from mmcosa.engine.hooks import bus_visualization_hook
from mmcosa.visualization import MARGIN_COLOUR, margin_ring


def _sample(idx=0, size=32, regions=True):
    mask = torch.zeros(1, size, size, dtype=torch.long)
    mask[:, 8:24, 8:24] = 1
    sample = SegDataSample(
        metainfo=dict(
            img_path=f'phantom_s0_{idx:05d}.png',
            ori_shape=(size, size),
            img_shape=(size, size),
        )
    )
    sample.pred_sem_seg = PixelData(data=mask)
    sample.gt_sem_seg = PixelData(data=mask.clone())
    sample.pred_score = torch.tensor([0.3, 0.7])
    sample.pred_label = torch.tensor([1])
    sample.gt_label = torch.tensor([0])
    if regions:
        sample.pred_regions = PixelData(data=_regions(size))
    return sample


def _regions(size=32):
    mask = np.zeros((size, size), np.uint8)
    mask[8:24, 8:24] = 1
    ring = margin_ring(mask, 5)
    tumour = (mask > 0) & ~ring
    return torch.from_numpy(
        np.stack([~ring & ~tumour, tumour, ring]).astype(np.float32)
    )


def test_draw_sample_from_input_tensor():
    img = torch.full((3, 32, 32), 100, dtype=torch.uint8)
    drawing = BUSVisualizationHook.draw_sample(_sample(), img)
    # enlarged x8 to 256, plus the text strip on top
    assert drawing.shape[1:] == (256, 3) and drawing.shape[0] > 256
    body = drawing[drawing.shape[0] - 256 :]
    # the ring pixel (row 6 of 32 -> 48..55 at x8) is blended with yellow
    expected = 100 * 0.6 + np.array(MARGIN_COLOUR) * 0.4
    np.testing.assert_allclose(body[52, 128], expected, atol=1)
    assert tuple(body[128, 128]) == (100, 100, 100)  # tumour inside


def test_draw_sample_reads_the_margin_from_pred_regions():
    # A margin unlike the ring of the mask: only a block in a corner.
    sample = _sample(regions=False)
    regions = torch.zeros(3, 32, 32)
    regions[0] = 1
    regions[0, :4, :4], regions[2, :4, :4] = 0, 1
    sample.pred_regions = PixelData(data=regions)
    img = torch.full((3, 32, 32), 100, dtype=torch.uint8)
    body = BUSVisualizationHook.draw_sample(sample, img)[-256:]
    expected = 100 * 0.6 + np.array(MARGIN_COLOUR) * 0.4
    np.testing.assert_allclose(body[10, 10], expected, atol=1)
    assert tuple(body[52, 128]) == (100, 100, 100)  # no ring of the mask
    # Without pred_regions (no COSA neck), the ring comes from the mask.
    body = BUSVisualizationHook.draw_sample(_sample(regions=False), img)
    np.testing.assert_allclose(body[-256:][52, 128], expected, atol=1)


def test_hook_draws_first_images_into_work_dir_and_backends(tmp_path):
    runner = SimpleNamespace(
        work_dir=str(tmp_path),
        iter=7,
        model=torch.nn.Module(),
        visualizer=MagicMock(),
        val_dataloader=SimpleNamespace(
            dataset=SimpleNamespace(
                metainfo=dict(cls_classes=('benign', 'malignant'))
            )
        ),
    )
    hook = BUSVisualizationHook(num_images=2)
    batch = dict(inputs=[torch.zeros(3, 32, 32, dtype=torch.uint8)] * 3)
    hook.before_train(runner)  # resumed at iteration 7
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, batch, [_sample(i) for i in range(3)])
    hook.after_val_iter(runner, 1, batch, [_sample(i) for i in range(3, 6)])
    files = sorted(os.listdir(tmp_path / 'vis' / 'val_7'))
    assert files == ['val_phantom_s0_00000.png', 'val_phantom_s0_00001.png']
    assert runner.visualizer.add_image.call_count == 2
    name, image = runner.visualizer.add_image.call_args[0]
    assert name == 'val_phantom_s0_00001' and image.ndim == 3
    assert runner.visualizer.add_image.call_args[1] == dict(step=7)
    # the next evaluation draws the same first images again
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, batch, [_sample(i) for i in range(3)])
    assert runner.visualizer.add_image.call_count == 4
    # test loop too, unless switched off
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, batch, [_sample(0)])
    assert os.listdir(tmp_path / 'vis' / 'test_7') == [
        'test_phantom_s0_00000.png'
    ]
    off = BUSVisualizationHook(draw_test=False, out_dir=None)
    off.after_test_iter(runner, 0, batch, [_sample(0)])
    assert runner.visualizer.add_image.call_count == 5


class _TestOnlyRunner(SimpleNamespace):
    """A runner of tools/test.py: reading ``iter`` would build the train
    dataloader (mmengine's Runner.iter builds the train loop)."""

    @property
    def iter(self):
        raise AssertionError('the hook read runner.iter during testing')


def test_hook_in_a_test_only_run_builds_no_training(tmp_path):
    runner = _TestOnlyRunner(
        work_dir=str(tmp_path),
        model=torch.nn.Module(),
        visualizer=MagicMock(),
        test_dataloader=SimpleNamespace(dataset=SimpleNamespace(metainfo={})),
    )
    hook = BUSVisualizationHook(num_images=1)
    batch = dict(inputs=[torch.zeros(3, 32, 32, dtype=torch.uint8)])
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, batch, [_sample(0)])
    assert os.listdir(tmp_path / 'vis' / 'test_0') == [
        'test_phantom_s0_00000.png'
    ]
    assert runner.visualizer.add_image.call_args[1] == dict(step=0)
    # after training iterations, drawings are filed under the count done
    trained = SimpleNamespace(iter=4)
    hook.after_train_iter(trained, 4)
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, batch, [_sample(0)])
    assert (tmp_path / 'vis' / 'test_5').is_dir()


def test_hook_arguments():
    with pytest.raises(ValueError, match='num_images'):
        BUSVisualizationHook(num_images=0)
    with pytest.raises(TypeError, match='out_dir'):
        BUSVisualizationHook(out_dir=3)


def test_default_classes_are_the_data_sets():
    assert bus_visualization_hook._DEFAULT_CLASSES == CLASS_NAMES
