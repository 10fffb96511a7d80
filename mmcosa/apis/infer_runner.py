"""Run a model over a file or folder and write what it saw.

The logic behind ``tools/infer.py``. Per image, and per frame of a DICOM
file, it writes ``<stem>_overlay.png`` (tumour contour, margin ring,
predicted class and malignancy probability) and ``<stem>_mask.png`` (the
binary mask at the original size, 0 / 255 so it can be viewed), and for the
run one ``predictions.csv`` with a row per image or frame. The frames of a
multi-frame DICOM file get stems ``<stem>_f001``, ``<stem>_f002``, ... A
bad file is reported in the CSV and the log and does not stop the others.

Files are read here (:func:`~mmcosa.apis.image_io.read_frames`) and the
sizes in mm attached here
(:func:`~mmcosa.apis.inference.attach_frame_info`), so any backend that
predicts one BGR image (:func:`~mmcosa.apis.inference.make_predictor`)
gets the same table.
"""

import csv
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Union

import cv2
import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from mmcosa.visualization import draw_overlay

from .image_io import ImageReadError, InputFrame, read_frames
from .inference import attach_frame_info, collect_inputs, make_predictor
from .prediction import BUSPrediction

__all__ = ['CSV_FIELDS', 'prepare_out_dir', 'run_inference']

#: Columns of ``predictions.csv``. ``frame`` is the DICOM frame number
#: (from 1; empty for other images); ``tumour_area_mm2`` and
#: ``longest_diameter_mm`` are empty unless a DICOM ultrasound region gives
#: the pixel size in cm, and ``size_note`` says where it came from or why
#: it is missing.
CSV_FIELDS = (
    'file',
    'frame',
    'status',
    'error',
    'pred_class',
    'prob_malignant',
    'tumour_area_px',
    'tumour_area_mm2',
    'longest_diameter_mm',
    'size_note',
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


def _unique_stem(path: str, used: set, suffix: str = '') -> str:
    stem = (osp.splitext(osp.basename(path))[0] or 'image') + suffix
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
    model: Any,
    source: Union[str, List[str]],
    out_dir: str,
    progress: bool = True,
) -> List[Dict[str, object]]:
    """Predict every image of ``source`` and write the outputs.

    Args:
        model: Model from :func:`mmcosa.apis.init_model`, or an object with
            ``predict_bgr(img_bgr, img_path) -> BUSPrediction`` (another
            backend; see :func:`mmcosa.apis.inference.make_predictor`).
        source (str | list[str]): An image or DICOM file, a folder, or
            file paths.
        out_dir (str): Output folder (created).
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        list[dict]: The CSV rows, one per image and per DICOM frame;
        ``status`` is ``'ok'`` or ``'error'`` with the reason in ``error``
        (a file that cannot be read gets one error row; frames decoded
        before a frame fails keep their rows).

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
    predict = make_predictor(model)
    rows: List[Dict[str, object]] = []
    used: set = set()
    bar = ProgressBar(len(files)) if progress and len(files) > 1 else None
    for path in files:
        try:
            for item in read_frames(path):
                pred = attach_frame_info(predict(item.img_bgr, path), item)
                rows.append(_save(pred, item, used, out_dir))
        except (ImageReadError, FileNotFoundError, OSError) as err:
            row = dict.fromkeys(CSV_FIELDS, '')
            row.update(file=path, status='error', error=str(err))
            rows.append(row)
            if bar is not None:
                bar.file.write('\n')  # keep the message off the bar line
            print_log(f'skipped {path}: {err}', logger='current')
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
        f'{num_ok} of {len(rows)} images and frames done, '
        f'{len(rows) - num_ok} failed; outputs in {out_dir}, table in '
        f'{csv_path}',
        logger='current',
    )
    return rows


def _format(value: Optional[float]) -> str:
    return '' if value is None else f'{value:.2f}'


def _save(
    pred: BUSPrediction, item: InputFrame, used: set, out_dir: str
) -> Dict[str, object]:
    """Write one prediction's mask and overlay; return its CSV row."""
    suffix = f'_f{item.frame:03d}' if item.num_frames > 1 else ''
    stem = _unique_stem(item.path, used, suffix)
    out: Dict[str, object] = dict.fromkeys(CSV_FIELDS, '')
    out.update(
        file=item.path,
        frame='' if item.frame is None else item.frame,
        status='ok',
        height=pred.image.shape[0],
        width=pred.image.shape[1],
        tumour_area_mm2=_format(pred.tumour_area_mm2),
        longest_diameter_mm=_format(pred.longest_diameter_mm),
        size_note=pred.size_note,
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
