"""Run an exported mmcosa model with ONNX Runtime, numpy and OpenCV only.

This file stands alone: it imports neither torch nor mmengine, mmseg or
mmcosa, so a reading workstation can take this one file and the ``.onnx``
written by ``tools/deployment/pytorch2onnx.py``. The preprocessing
(resize, padding, normalisation, channel order) and the postprocessing
(crop the padding, resize to the original size, argmax) are read from the
model's metadata, written at export time from the training config.

Python::

    runner = OnnxRunner('model.onnx')
    result = runner(img_bgr)        # (H, W, 3) uint8, BGR as cv2.imread
    result['mask']                  # (H, W) uint8 {0, 1}, original size
    result['probs']                 # (C,) float class probabilities
    result['regions']               # (3, H, W) float COSA maps, or None

Command line (masks and a CSV; ``tools/infer.py --backend onnxruntime``
adds overlays, DICOM input and sizes in millimetres)::

    python onnx_runner.py model.onnx INPUT --out-dir DIR
"""

import argparse
import csv
import json
import os
import os.path as osp
import sys
from typing import Any, Dict, List, Optional, Sequence

import cv2
import numpy as np

__all__ = ['METADATA_KEY', 'OnnxRunner', 'OnnxRunnerError', 'preprocess']

METADATA_KEY = 'mmcosa'
SUPPORTED_FORMATS = (1,)
_INTERP = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}
_IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


class OnnxRunnerError(ValueError):
    """A model file or an input the runner cannot use."""


def _rescale_size(w: int, h: int, scale: Sequence[int]) -> tuple:
    """mmcv's ``rescale_size``: fit (w, h) into ``scale``, keeping ratio."""
    long_edge, short_edge = max(scale), min(scale)
    factor = min(long_edge / max(h, w), short_edge / min(h, w))
    return int(w * factor + 0.5), int(h * factor + 0.5)


def preprocess(img: np.ndarray, spec: Dict[str, Any]) -> tuple:
    """One image as the model's normalised input.

    Args:
        img (np.ndarray): ``(H, W, 3)`` uint8 BGR (``(H, W)`` grey is
            replicated).
        spec (dict): The metadata's ``preprocess`` record.

    Returns:
        tuple: ``(x, (h, w))``: ``x`` float32 ``(C, H_in, W_in)`` and the
        size of the image inside it before padding.
    """
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if spec['grayscale']:
        img = img[..., :1]
    h, w = img.shape[:2]
    for step in spec['steps']:
        if step['type'] == 'resize':
            size = tuple(step['size'])
            if step['keep_ratio']:
                size = _rescale_size(w, h, size)
            img = cv2.resize(
                img, size, interpolation=_INTERP[step['interpolation']]
            )
            if img.ndim == 2:
                img = img[..., None]
            h, w = img.shape[:2]
        elif step['type'] == 'pad':
            pad_w, pad_h = step['size']
            if h > pad_h or w > pad_w:
                raise OnnxRunnerError(
                    f'image of {w}x{h} after resizing is larger than the pad '
                    f'size {pad_w}x{pad_h}.'
                )
            canvas = np.full(
                (pad_h, pad_w, img.shape[2]), step['pad_val'], img.dtype
            )
            canvas[:h, :w] = img
            img = canvas
        else:
            raise OnnxRunnerError(f'unknown preprocessing step {step!r}.')
    x = img.astype(np.float32)
    if spec['to_rgb']:
        x = x[..., ::-1]
    x = (x - np.float32(spec['mean'])) / np.float32(spec['std'])
    return np.ascontiguousarray(x.transpose(2, 0, 1)), (h, w)


def _read(path: str) -> np.ndarray:
    """An image file as BGR uint8 (16-bit data by its smallest bit depth)."""
    img = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise OnnxRunnerError(f'cannot decode {path!r} as an image.')
    if img.dtype != np.uint8:
        top = float(img.max()) if img.size else 0.0
        bits = next((b for b in (8, 10, 12, 14, 16) if top < 2**b), 16)
        img = np.clip(np.rint(img * (255.0 / (2**bits - 1))), 0, 255)
        img = img.astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 4:
        img = img[..., :3]
    return img


class OnnxRunner:
    """An exported mmcosa model in an ONNX Runtime session.

    Args:
        model_file (str): The ``.onnx`` written by the export.
        num_threads (int, optional): Intra-op threads (default: ONNX
            Runtime's choice, one per core).
        providers (list[str], optional): Execution providers. Defaults to
            ``['CPUExecutionProvider']``.
        session_options (onnxruntime.SessionOptions, optional): Options of
            the session (e.g. ``add_session_config_entry(
            'session.intra_op.allow_spinning', '0')`` when other work
            shares the cores); ``num_threads`` is applied on top.

    Raises:
        FileNotFoundError: If ``model_file`` does not exist.
        OnnxRunnerError: If it is not an mmcosa export.
    """

    def __init__(
        self,
        model_file: str,
        num_threads: Optional[int] = None,
        providers: Optional[List[str]] = None,
        session_options: Optional[Any] = None,
    ) -> None:
        import onnxruntime as ort

        if not osp.isfile(model_file):
            raise FileNotFoundError(
                f'ONNX model {model_file!r} does not exist; write one with '
                f'tools/deployment/pytorch2onnx.py.'
            )
        options = session_options or ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
        try:
            self.session = ort.InferenceSession(
                model_file,
                options,
                providers=providers or ['CPUExecutionProvider'],
            )
        except Exception as err:  # onnxruntime raises its own types
            raise OnnxRunnerError(
                f'ONNX Runtime cannot load {model_file!r}: {err}'
            ) from err
        custom = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in custom:
            raise OnnxRunnerError(
                f'{model_file!r} has no {METADATA_KEY!r} metadata: it was not '
                f'written by tools/deployment/pytorch2onnx.py.'
            )
        self.meta: Dict[str, Any] = json.loads(custom[METADATA_KEY])
        if self.meta.get('format') not in SUPPORTED_FORMATS:
            raise OnnxRunnerError(
                f'{model_file!r} has metadata format '
                f'{self.meta.get("format")!r}; this runner reads '
                f'{SUPPORTED_FORMATS}: use the runner of the mmcosa version '
                f'that wrote it ({self.meta.get("producer")}).'
            )
        self.model_file = model_file
        self.classes = tuple(self.meta.get('classes', ()))
        self.output_names = [o.name for o in self.session.get_outputs()]

    def run_batch(self, batch: np.ndarray) -> Dict[str, np.ndarray]:
        """Raw graph outputs for a normalised batch (N, C, H, W)."""
        outs = self.session.run(None, {self.meta['input_name']: batch})
        return dict(zip(self.output_names, outs))

    def __call__(self, img: np.ndarray) -> Dict[str, Any]:
        """Predict one image.

        Args:
            img (np.ndarray): ``(H, W, 3)`` uint8 BGR or ``(H, W)`` grey.

        Returns:
            dict: ``mask`` ``(H, W)`` uint8 {0, 1}; ``probs`` ``(C,)``
            float32 or None; ``pred_label`` int or None; ``regions``
            ``(3, H, W)`` float32 or None; ``classes`` tuple of names.
        """
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8:
            raise OnnxRunnerError(
                'the runner takes a uint8 image array (H, W, 3) in BGR '
                'order, as cv2.imread gives it.'
            )
        ori_h, ori_w = img.shape[:2]
        x, (h, w) = preprocess(img, self.meta['preprocess'])
        outs = self.run_batch(x[None])
        logits = outs['seg_logits'][0, :, :h, :w]  # crop the padding
        logits = cv2.resize(
            np.ascontiguousarray(logits.transpose(1, 2, 0)),
            (ori_w, ori_h),
            interpolation=cv2.INTER_LINEAR,
        )
        if logits.ndim == 2:
            logits = logits[..., None]
        if logits.shape[2] == 1:
            prob = 1.0 / (1.0 + np.exp(-logits[..., 0]))
            label_map = (prob > self.meta['seg_threshold']).astype(np.uint8)
        else:
            label_map = logits.argmax(axis=2).astype(np.uint8)
        mask = (label_map == self.meta['tumour_index']).astype(np.uint8)
        probs = outs.get('probs', None)
        probs = None if probs is None else probs[0].astype(np.float32)
        regions = outs.get('regions', None)
        if regions is not None:
            maps = np.ascontiguousarray(
                regions[0, :, :h, :w].transpose(1, 2, 0)
            )
            maps = cv2.resize(
                maps, (ori_w, ori_h), interpolation=cv2.INTER_NEAREST
            )
            regions = maps.transpose(2, 0, 1).astype(np.float32)
        return dict(
            mask=mask,
            probs=probs,
            pred_label=None if probs is None else int(np.argmax(probs)),
            regions=regions,
            classes=self.classes,
        )


def _files(source: str) -> List[str]:
    if osp.isdir(source):
        return sorted(
            osp.join(source, n)
            for n in os.listdir(source)
            if osp.splitext(n)[1].lower() in _IMAGE_EXTENSIONS
        )
    if not osp.isfile(source):
        raise FileNotFoundError(f'input {source!r} does not exist.')
    return [source]


def main(argv: Optional[List[str]] = None) -> int:
    """Masks and ``predictions.csv`` for an image or a folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('model', help='the exported .onnx file')
    parser.add_argument('input', help='an image file or a folder of images')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args(argv)
    try:
        runner = OnnxRunner(args.model, num_threads=args.threads)
        files = _files(args.input)
        os.makedirs(args.out_dir, exist_ok=True)
    except (OSError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    rows = []
    for path in files:
        row = dict(file=path, status='ok', error='')
        try:
            res = runner(_read(path))
        except (OSError, ValueError) as err:
            row.update(status='error', error=str(err))
            rows.append(row)
            continue
        stem = osp.splitext(osp.basename(path))[0]
        cv2.imencode('.png', res['mask'] * 255)[1].tofile(
            osp.join(args.out_dir, f'{stem}_mask.png')
        )
        row['tumour_area_px'] = int(res['mask'].sum())
        if res['probs'] is not None:
            row['pred_class'] = runner.classes[res['pred_label']]
            if 'malignant' in runner.classes:
                idx = runner.classes.index('malignant')
                row['prob_malignant'] = f'{res["probs"][idx]:.4f}'
        rows.append(row)
    fields = [
        'file',
        'status',
        'error',
        'pred_class',
        'prob_malignant',
        'tumour_area_px',
    ]
    with open(osp.join(args.out_dir, 'predictions.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields, restval='')
        writer.writeheader()
        writer.writerows(rows)
    return 0 if any(r['status'] == 'ok' for r in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
