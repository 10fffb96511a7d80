"""Save test predictions for offline evaluation (``tools/test.py --out``)."""

import csv
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dist import collect_results, get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS
from PIL import Image

from mmcosa.visualization import region_labels

__all__ = ['PredictionDumpHook']


@HOOKS.register_module()
class PredictionDumpHook(Hook):
    """Write every test prediction to ``out_dir``.

    The folder it fills::

        out_dir/
        ├── masks/<stem>.png      predicted mask at the original size,
        │                         uint8 {0, 1} (the prepared data's
        │                         encoding), when the model predicts masks
        ├── regions/<stem>.png    COSA regions at the original size, uint8
        │                         0 background, 1 tumour, 2 margin, when
        │                         the model has a COSA neck (the
        │                         prediction's ``pred_regions``)
        └── predictions.csv       file name, tumour pixels, predicted
                                  class and class scores

    ``regions/`` holds the maps the classifier pooled over (the argmax of
    ``pred_regions``, see :func:`mmcosa.visualization.region_labels`; with
    slide inference or TTA, where the maps are means, the region covering
    most of each pixel). Works in distributed runs: each rank writes its
    PNGs, rank 0 writes the CSV after gathering the rows.

    Args:
        out_dir (str): Output directory. Created if missing.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str) -> None:
        if not isinstance(out_dir, str) or not out_dir:
            raise TypeError(f'out_dir must be a non-empty str: {out_dir!r}')
        self.out_dir = out_dir
        self._rows: List[dict] = []
        self._count = 0

    def before_test(self, runner) -> None:
        self._rows = []
        self._count = 0
        os.makedirs(osp.join(self.out_dir, 'masks'), exist_ok=True)

    def _stem(self, sample) -> str:
        path: Optional[str] = sample.metainfo.get('img_path')
        if path:
            return osp.splitext(osp.basename(path))[0]
        idx = sample.metainfo.get('sample_idx', None)
        if idx is None:
            idx = f'r{get_rank()}_{self._count}'
        return f'sample_{idx}'

    def after_test_iter(
        self,
        runner,
        batch_idx: int,
        data_batch=None,
        outputs: Optional[Sequence] = None,
    ) -> None:
        for sample in outputs or []:
            self._count += 1
            stem = self._stem(sample)
            row = dict(file=stem)
            if 'pred_sem_seg' in sample:
                mask = sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
                Image.fromarray(mask.astype(np.uint8), mode='L').save(
                    osp.join(self.out_dir, 'masks', f'{stem}.png')
                )
                row['tumour_px'] = int((mask > 0).sum())
            if 'pred_regions' in sample:
                folder = osp.join(self.out_dir, 'regions')
                os.makedirs(folder, exist_ok=True)
                labels = region_labels(sample.pred_regions.data)
                Image.fromarray(labels, mode='L').save(
                    osp.join(folder, f'{stem}.png')
                )
            if 'pred_score' in sample:
                scores = sample.pred_score.detach().cpu().float().numpy()
                row['pred_label'] = int(sample.pred_label.item())
                for i, score in enumerate(scores.tolist()):
                    row[f'score_{i}'] = f'{score:.6f}'
            if 'gt_label' in sample:
                row['gt_label'] = int(sample.gt_label.item())
            self._rows.append(row)

    def after_test_epoch(self, runner, metrics=None) -> None:
        size = len(runner.test_dataloader.dataset)
        rows = collect_results(self._rows, size)
        if get_rank() != 0:
            return
        keys: List[str] = []
        for row in rows:
            keys += [k for k in row if k not in keys]
        path = osp.join(self.out_dir, 'predictions.csv')
        with open(path, 'w', newline='', encoding='utf-8') as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(rows)
        print_log(
            f'Saved {len(rows)} predictions to {self.out_dir}',
            logger='current',
        )
