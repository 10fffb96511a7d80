"""One model as the four inference paths the backends section compares.

Call graph::

    build_paths(model, work_dir, calibration_images, threads, bf16)
      ├─ export_onnx(model, fp32.onnx)             the graph ORT runs
      ├─ quantize_int8(fp32.onnx, int8.onnx, ...)  phantom calibration
      ├─ TorchPath(ExportWrapper(model), dtype)    fp32 / bf16 autocast
      └─ OrtPath(fp32 / int8, threads)             same threads as torch,
                                                   no spinning: timed on
                                                   batches, and per image
                                                   (accuracy)

Every path maps the *same* normalised float32 batch ``(N, C, H, W)`` to
float32 numpy outputs (``seg_logits``, ``probs``, ``regions``): the
PyTorch side runs :class:`~mmcosa.deployment.ExportWrapper`, the function
the ONNX graph was traced from, so all four do the same work.
"""

import contextlib
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

import numpy as np
import torch
import torch.nn as nn

from mmcosa.deployment import (
    ExportWrapper,
    OnnxRunner,
    export_onnx,
    phantom_images,
    quantize_int8,
)

__all__ = [
    'BF16',
    'INT8',
    'ORT_FP32',
    'OrtPath',
    'PATHS',
    'REDUCED',
    'REFERENCE',
    'Paths',
    'TorchPath',
    'build_paths',
]

REFERENCE = 'PyTorch fp32'
BF16 = 'PyTorch bf16'
ORT_FP32 = 'ORT fp32'
INT8 = 'ORT int8'
#: Row order of the section.
PATHS = (REFERENCE, BF16, ORT_FP32, INT8)
#: The reduced-precision paths the target applies to.
REDUCED = (BF16, INT8)
#: Seed of the calibration phantom (not the training pool's 0, not the
#: parity check's 12345).
CALIBRATION_SEED = 4242


class TorchPath:
    """:class:`ExportWrapper` on a numpy batch, in fp32 or under autocast.

    Args:
        wrapper (ExportWrapper): The model as the exported function.
        dtype (torch.dtype, optional): ``torch.bfloat16`` for CPU autocast;
            None for fp32.
    """

    def __init__(
        self, wrapper: ExportWrapper, dtype: Optional[torch.dtype] = None
    ) -> None:
        self.wrapper = wrapper.eval()
        self.dtype = dtype
        self.names = wrapper.output_names

    def run_batch(self, batch: np.ndarray) -> Dict[str, np.ndarray]:
        """Outputs for a normalised batch, as float32 numpy arrays."""
        cast = (
            torch.autocast('cpu', dtype=self.dtype)
            if self.dtype is not None
            else contextlib.nullcontext()
        )
        with torch.no_grad(), cast:
            outs = self.wrapper(torch.from_numpy(batch))
        return {n: o.float().numpy() for n, o in zip(self.names, outs)}


class OrtPath(OnnxRunner):
    """:class:`OnnxRunner` with the intra-op threads' spinning off.

    After a run, ONNX Runtime's idle threads spin for a while by default;
    interleaved with PyTorch on a small CPU they take cores from the next
    PyTorch call (about +15 % on two cores, measured with MTL-COSA r101),
    which would flatter every ratio to fp32 PyTorch. Without spinning the
    ONNX Runtime times are the same. One object serves both the timing
    (:meth:`run_batch`) and the accuracy check (per image).

    Args:
        model_file (str): An exported ``.onnx``.
        threads (int): Intra-op threads.
    """

    def __init__(self, model_file: str, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.add_session_config_entry(
            'session.intra_op.allow_spinning', '0'
        )
        super().__init__(
            model_file, num_threads=threads, session_options=options
        )


class _TorchRunner(OnnxRunner):
    """A :class:`TorchPath` behind :class:`OnnxRunner`'s per-image
    pre- and postprocessing (the metadata of the export), so that the
    bf16 path predicts images exactly as the ONNX paths do."""

    def __init__(self, path: TorchPath, meta: dict) -> None:
        # No ONNX session: only what OnnxRunner.__call__ reads is set.
        self.path = path
        self.meta = meta
        self.classes = tuple(meta.get('classes', ()))
        self.output_names = list(path.names)
        self.model_file = None

    def run_batch(self, batch: np.ndarray) -> Dict[str, np.ndarray]:
        return self.path.run_batch(batch)


@dataclass
class Paths:
    """The paths of one model.

    Attributes:
        batch_calls (dict): Path -> ``fn(batch) -> dict`` of outputs, for
            every path that runs here.
        predictors (dict): Path -> ``fn(img_bgr) -> dict`` (mask, probs,
            regions) for the paths other than fp32 PyTorch (whose images
            go through :func:`mmcosa.apis.inference_model`), when asked
            for.
        skipped (dict): Path -> why it is not run.
        meta (dict): The fp32 export's metadata (preprocessing, classes).
        files (dict): ``fp32`` / ``int8`` -> ONNX file.
        int8_meta (dict): The int8 model's metadata (calibration).
    """

    batch_calls: Dict[str, Callable] = field(default_factory=dict)
    predictors: Dict[str, Callable] = field(default_factory=dict)
    skipped: Dict[str, str] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    files: Dict[str, str] = field(default_factory=dict)
    int8_meta: dict = field(default_factory=dict)


def build_paths(
    model: nn.Module,
    work_dir: str,
    calibration_images: int,
    threads: int,
    bf16: Dict,
    predictors: bool = False,
) -> Paths:
    """Export, quantise and wrap ``model`` as the four paths.

    Args:
        model (nn.Module): From :func:`mmcosa.apis.init_model`.
        work_dir (str): Where ``fp32.onnx`` and ``int8.onnx`` go.
        calibration_images (int): Phantom images for the int8 calibration.
        threads (int): ONNX Runtime intra-op threads (torch's count).
        bf16 (dict): :func:`mmcosa.utils.cpu_features.bf16_support`; the
            bf16 path is skipped, with its reason, unless ``supported``.
        predictors (bool): Also build the per-image predictors (for the
            accuracy check).

    Returns:
        Paths: The callables, the skipped paths and the files.
    """
    model.eval()
    fp32_file = osp.join(work_dir, 'fp32.onnx')
    int8_file = osp.join(work_dir, 'int8.onnx')
    meta = export_onnx(model, fp32_file)
    calibration = phantom_images(calibration_images, seed=CALIBRATION_SEED)
    int8_meta = quantize_int8(
        fp32_file,
        int8_file,
        calibration,
        calibration_note=f'{calibration_images} phantom images (mmcosa '
        f'phantom, seed {CALIBRATION_SEED}, several sizes)',
    )
    wrapper = ExportWrapper(model)
    paths = Paths(
        meta=meta,
        files=dict(fp32=fp32_file, int8=int8_file),
        int8_meta=int8_meta,
    )
    paths.batch_calls[REFERENCE] = TorchPath(wrapper).run_batch
    if bf16['supported']:
        bf16_path = TorchPath(wrapper, torch.bfloat16)
        paths.batch_calls[BF16] = bf16_path.run_batch
        if predictors:
            paths.predictors[BF16] = _TorchRunner(bf16_path, meta)
    else:
        paths.skipped[BF16] = bf16['reason']
    for name, file in ((ORT_FP32, fp32_file), (INT8, int8_file)):
        runner = OrtPath(file, threads)
        paths.batch_calls[name] = runner.run_batch
        if predictors:
            paths.predictors[name] = runner
    return paths
