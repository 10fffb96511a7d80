"""Run a model over a file or folder and write what it saw.

The logic behind ``tools/infer.py``. Per image it writes
``<stem>_overlay.png`` (tumour contour, margin ring, predicted class and
malignancy probability) and ``<stem>_mask.png`` (the binary mask at the
original size, 0 / 255 so it can be viewed), and for the run one
``predictions.csv``. A bad file is reported in the CSV and the log and does
not stop the others.
"""

import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Union

import cv2
import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from mmcosa.visualization import draw_overlay

from .image_io import ImageReadError
from .inference import collect_inputs, inference_model

__all__ = ['CSV_FIELDS', 'prepare_out_dir', 'run_inference']

#: Columns of ``predictions.csv``.
CSV_FIELDS = (
    'file',
    'status',
    'error',
    'pred_class',
    'prob_malignant',
    'tumour_area_px',
    'height',
    'width',
    'mask',
    'overlay',
)


def prepare_out_dir(out_dir: str) -> None:
    """Create the output folder, or say in one line why it cannot be.

    Args:
        out_dir (str): The folder (created with its parents).

    Raises:
        NotADirectoryError: If ``out_dir`` (or a parent) is a file.
        OSError: If it cannot be created or written to, naming it.
    """
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise NotADirectoryError(
            f'--out-dir {out_dir!r} is a file; pass a folder (it is created '
            f'if missing).'
        )
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as err:  # a parent is a file, no permission, ...
        raise type(err)(
            f'--out-dir {out_dir!r} cannot be created: '
            f'{err.strerror or err} ({err.filename}); pass a folder path '
            f'you can write to.'
        ) from err
    if not os.access(out_dir, os.W_OK):
        raise PermissionError(
            f'--out-dir {out_dir!r} is not writable; pass a folder you can '
            f'write to.'
        )


def _unique_stem(path: str, used: set) -> str:
    stem = osp.splitext(osp.basename(path))[0] or 'image'
    if stem in used:
        stem = f'{stem}_{osp.splitext(path)[1].lstrip(".") or "x"}'
    base, idx = stem, 1
    while stem in used:
        stem, idx = f'{base}_{idx}', idx + 1
    used.add(stem)
    return stem


def _write_png(path: str, img: np.ndarray) -> None:
    ok, buf = cv2.imencode('.png', img)
    if not ok:
        raise OSError(f'cannot encode {path!r} as PNG.')
    buf.tofile(path)


def run_inference(
    model: torch.nn.Module,
    source: Union[str, List[str]],
    out_dir: str,
    progress: bool = True,
) -> List[Dict[str, object]]:
    """Predict every image of ``source`` and write the outputs.

    Args:
        model (nn.Module): Model from :func:`mmcosa.apis.init_model`.
        source (str | list[str]): An image file, a folder, or file paths.
        out_dir (str): Output folder (created).
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        list[dict]: The CSV rows, one per input file; ``status`` is
        ``'ok'`` or ``'error'`` with the reason in ``error``.

    Raises:
        FileNotFoundError: If ``source`` does not exist.
        ValueError: If ``source`` is an empty folder.
        OSError: If ``out_dir`` is a file or cannot be created (see
            :func:`prepare_out_dir`).
    """
    files = (
        list(source)
        if isinstance(source, (list, tuple))
        else collect_inputs(source)
    )
    prepare_out_dir(out_dir)
    rows: List[Dict[str, object]] = []
    used: set = set()
    bar = ProgressBar(len(files)) if progress and len(files) > 1 else None
    for path in files:
        row: Dict[str, object] = dict.fromkeys(CSV_FIELDS, '')
        row['file'] = path
        try:
            pred = inference_model(model, path)
            stem = _unique_stem(path, used)
            row.update(_save(pred, stem, out_dir))
            row['status'] = 'ok'
        except (ImageReadError, FileNotFoundError, OSError) as err:
            row['status'], row['error'] = 'error', str(err)
            if bar is not None:
                bar.file.write('\n')  # keep the message off the bar line
            print_log(f'skipped {path}: {err}', logger='current')
        rows.append(row)
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.file.write('\n')
    csv_path = osp.join(out_dir, 'predictions.csv')
    with open(csv_path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.DictWriter(f, fieldnames=list(CSV_FIELDS))
        writer.writeheader()
        writer.writerows(rows)
    num_ok = sum(r['status'] == 'ok' for r in rows)
    print_log(
        f'{num_ok} of {len(rows)} images done, {len(rows) - num_ok} '
        f'failed; outputs in {out_dir}, table in {csv_path}',
        logger='current',
    )
    return rows


def _save(pred, stem: str, out_dir: str) -> Dict[str, object]:
    out: Dict[str, object] = dict(
        height=pred.image.shape[0], width=pred.image.shape[1]
    )
    if pred.mask is not None:
        mask_name = f'{stem}_mask.png'
        _write_png(osp.join(out_dir, mask_name), pred.mask * 255)
        out.update(mask=mask_name, tumour_area_px=pred.tumour_area)
    overlay = draw_overlay(
        pred.image,
        mask=pred.mask,
        margin=pred.margin,
        pred_class=pred.pred_class,
        malignancy=pred.malignancy,
    )
    overlay_name = f'{stem}_overlay.png'
    _write_png(osp.join(out_dir, overlay_name), overlay[..., ::-1])
    out['overlay'] = overlay_name
    if pred.pred_class is not None:
        out['pred_class'] = pred.pred_class
    malignancy: Optional[float] = pred.malignancy
    if malignancy is not None:
        out['prob_malignant'] = f'{malignancy:.4f}'
    return out
