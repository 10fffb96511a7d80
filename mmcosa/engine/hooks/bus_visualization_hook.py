"""Draw a few validation predictions every evaluation."""

import os
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from mmcosa.datasets.metainfo import CLASS_NAMES
from mmcosa.visualization import draw_overlay, region_margin

__all__ = ['BUSVisualizationHook']

# For samples whose model and data set name no classes.
_DEFAULT_CLASSES = CLASS_NAMES


@HOOKS.register_module()
class BUSVisualizationHook(Hook):
    """Draw the inference overlay for the first validation images.

    At every evaluation the first ``num_images`` images of the validation
    set (the same images each time, so training progress can be watched)
    are drawn like ``tools/infer.py`` draws them, plus the ground-truth
    contour (green) and the true class: predicted contour (red), COSA margin
    ring (yellow; the neck's own ring, read from the prediction's
    ``pred_regions``, when the model has a COSA neck, else computed from the
    mask), predicted class and malignancy probability. Everything drawn is
    read from the outputs; the hook reads no model state.

    Each drawing is written to ``out_dir`` as ``<mode>_<iter>/<name>.png``
    (``<iter>``: training iterations done, 0 in a test-only run; the hook
    never reads ``runner.iter`` outside training, which would build the
    training data) and handed to the runner's visualizer, hence to every
    configured vis
    backend (``LocalVisBackend``: ``<log_dir>/vis_data/vis_image``;
    ``TensorboardVisBackend`` when enabled in ``vis_backends``). Unlike
    ``SegVisualizationHook(interval=50)`` it draws on small sets, and it
    needs no image file: the image comes from ``img_path`` when that file
    exists, else from the batch's input tensor (e.g. the phantom).

    Args:
        num_images (int): Images drawn per evaluation. Defaults to 4.
        draw_test (bool): Also draw during ``runner.test()``. Defaults to
            True.
        out_dir (str, optional): Folder of the PNGs; relative paths are
            under the work dir. Defaults to ``'vis'`` (``<work_dir>/vis``).
    """

    priority = 'NORMAL'

    def __init__(
        self,
        num_images: int = 4,
        draw_test: bool = True,
        out_dir: Optional[str] = 'vis',
    ) -> None:
        if (
            isinstance(num_images, bool)
            or not isinstance(num_images, int)
            or num_images < 1
        ):
            raise ValueError(
                f'BUSVisualizationHook num_images must be an '
                f'int >= 1, got {num_images!r}.'
            )
        if out_dir is not None and not isinstance(out_dir, str):
            raise TypeError(
                f'BUSVisualizationHook out_dir must be a str or '
                f'None, got {out_dir!r}.'
            )
        self.num_images = num_images
        self.draw_test = draw_test
        self.out_dir = out_dir
        self._drawn = 0
        self._step = 0

    def before_train(self, runner) -> None:
        self._step = runner.iter  # > 0 after a resume

    def after_train_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: Optional[dict] = None,
        outputs: Optional[dict] = None,
    ) -> None:
        self._step = runner.iter + 1

    def before_val_epoch(self, runner) -> None:
        self._drawn = 0

    def before_test_epoch(self, runner) -> None:
        self._drawn = 0

    def after_val_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: Optional[dict] = None,
        outputs: Optional[Sequence] = None,
    ) -> None:
        self._draw_batch(runner, data_batch, outputs, 'val')

    def after_test_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: Optional[dict] = None,
        outputs: Optional[Sequence] = None,
    ) -> None:
        if self.draw_test:
            self._draw_batch(runner, data_batch, outputs, 'test')

    def _draw_batch(
        self,
        runner,
        data_batch: Optional[dict],
        outputs: Optional[Sequence],
        mode: str,
    ) -> None:
        if (
            not outputs
            or self._drawn >= self.num_images
            or not is_main_process()
        ):
            return
        model = (
            runner.model.module
            if is_model_wrapper(runner.model)
            else runner.model
        )
        classes = self._classes(runner, model, mode)
        inputs = (data_batch or {}).get('inputs', None)
        for idx, sample in enumerate(outputs):
            if self._drawn >= self.num_images:
                break
            drawing = self.draw_sample(
                sample, self._input(inputs, idx), classes
            )
            name = self._name(sample, mode)
            self._save(runner, drawing, name, mode)
            self._drawn += 1

    @staticmethod
    def _classes(runner, model, mode: str) -> tuple:
        meta = getattr(model, 'dataset_meta', None) or {}
        if 'cls_classes' not in meta:
            try:
                loader = getattr(runner, f'{mode}_dataloader')
                meta = getattr(loader.dataset, 'metainfo', {}) or {}
            except Exception:  # loader not built: fall back to defaults
                meta = {}
        return tuple(meta.get('cls_classes', _DEFAULT_CLASSES))

    @staticmethod
    def _input(inputs, idx: int) -> Optional[torch.Tensor]:
        if inputs is None:
            return None
        if isinstance(inputs, (list, tuple)):
            return inputs[idx] if idx < len(inputs) else None
        return inputs[idx] if idx < inputs.shape[0] else None

    def _name(self, sample, mode: str) -> str:
        path = sample.metainfo.get('img_path', None)
        stem = (
            osp.splitext(osp.basename(path))[0]
            if path
            else f'sample_{self._drawn}'
        )
        return f'{mode}_{stem}'

    @staticmethod
    def draw_sample(
        sample,
        img_tensor: Optional[torch.Tensor] = None,
        classes: Sequence[str] = _DEFAULT_CLASSES,
    ) -> np.ndarray:
        """Draw one packed prediction at its original size.

        Args:
            sample (SegDataSample): Prediction with ``pred_sem_seg`` and
                optionally ``gt_sem_seg``, ``pred_score``, ``gt_label`` and
                ``pred_regions`` ``(3, H, W)`` (the COSA maps at the
                original size; the margin ring is drawn from them).
            img_tensor (Tensor, optional): The ``(C, H, W)`` network input
                (BGR, as loaded), used when ``img_path`` is not a file.
            classes (Sequence[str]): Image class names.

        Returns:
            np.ndarray: ``(H, W, 3)`` uint8 RGB drawing.
        """
        mask = (
            sample.pred_sem_seg.data.squeeze(0).cpu().numpy() == 1
            if 'pred_sem_seg' in sample
            else None
        )
        ori = tuple(
            sample.metainfo.get(
                'ori_shape', mask.shape if mask is not None else (0, 0)
            )
        )[:2]
        image = BUSVisualizationHook._image(sample, img_tensor, ori)
        gt_mask = None
        if 'gt_sem_seg' in sample:
            gt = sample.gt_sem_seg.data.squeeze(0).cpu().numpy()
            gt_mask = cv2.resize(
                (gt == 1).astype(np.uint8),
                image.shape[1::-1],
                interpolation=cv2.INTER_NEAREST,
            )
        if mask is not None and mask.shape != image.shape[:2]:
            mask = cv2.resize(
                mask.astype(np.uint8),
                image.shape[1::-1],
                interpolation=cv2.INTER_NEAREST,
            )
        margin = None
        if 'pred_regions' in sample:
            margin = region_margin(sample.pred_regions.data, image.shape[:2])
        pred_class = malignancy = gt_class = None
        if 'pred_score' in sample:
            score = sample.pred_score.detach().float().cpu().numpy()
            label = (
                int(sample.pred_label.reshape(-1)[0])
                if 'pred_label' in sample
                else int(np.argmax(score))
            )
            pred_class = _name_of(label, classes)
            if (
                'malignant' in classes
                and classes.index('malignant') < score.size
            ):
                malignancy = float(score[classes.index('malignant')])
        if 'gt_label' in sample:
            gt_class = _name_of(int(sample.gt_label.reshape(-1)[0]), classes)
        return draw_overlay(
            image,
            mask=mask,
            margin=margin,
            pred_class=pred_class,
            malignancy=malignancy,
            gt_mask=gt_mask,
            gt_class=gt_class,
        )

    @staticmethod
    def _image(
        sample, img_tensor: Optional[torch.Tensor], ori: tuple
    ) -> np.ndarray:
        """RGB image at the original size, from file or input tensor."""
        path = sample.metainfo.get('img_path', None)
        img = None
        if path and osp.isfile(path):
            img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None and img_tensor is not None:
            arr = img_tensor.detach().cpu()
            if arr.dtype != torch.uint8:
                arr = arr.float()
                lo, hi = float(arr.min()), float(arr.max())
                arr = ((arr - lo) / max(hi - lo, 1e-6) * 255).round()
            arr = arr.to(torch.uint8).numpy()
            img = arr[0] if arr.shape[0] == 1 else arr[:3].transpose(1, 2, 0)
            img = np.ascontiguousarray(img)
            if img.ndim == 2:
                img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
            # Undo the pipeline's resize (and padding) for drawing.
            shape = sample.metainfo.get('img_shape', img.shape[:2])
            img = img[: int(shape[0]), : int(shape[1])]
        if img is None:
            img = np.zeros((*ori, 3), np.uint8)
        if ori and tuple(img.shape[:2]) != tuple(ori) and min(ori) > 0:
            img = cv2.resize(
                img, (int(ori[1]), int(ori[0])), interpolation=cv2.INTER_LINEAR
            )
        return np.ascontiguousarray(img[..., ::-1])

    def _save(self, runner, drawing: np.ndarray, name: str, mode: str) -> None:
        if self.out_dir is not None:
            folder = osp.join(
                runner.work_dir, self.out_dir, f'{mode}_{self._step}'
            )
            os.makedirs(folder, exist_ok=True)
            cv2.imwrite(osp.join(folder, f'{name}.png'), drawing[..., ::-1])
        runner.visualizer.add_image(name, drawing, step=self._step)


def _name_of(label: int, classes: Sequence[str]) -> str:
    return classes[label] if 0 <= label < len(classes) else str(label)
