"""An exported model as an mmcosa inference backend.

:class:`ORTModel` gives :func:`mmcosa.apis.inference_model` and
:func:`mmcosa.apis.run_inference` (``tools/infer.py --backend
onnxruntime``) the ``predict_bgr`` call they take from any backend, so
reading (images, DICOM frames), overlays, masks, the CSV and the sizes in
millimetres are those of the PyTorch path.
"""

from typing import Optional

import numpy as np

from mmcosa.apis.prediction import BUSPrediction
from mmcosa.datasets.metainfo import CLS_CLASSES

from .onnx_runner import OnnxRunner

__all__ = ['ORTModel']


class ORTModel:
    """ONNX Runtime backend for the mmcosa inference API.

    Args:
        model_file (str): An ``.onnx`` written by
            ``tools/deployment/pytorch2onnx.py`` (fp32 or int8).
        num_threads (int, optional): Intra-op threads.
    """

    def __init__(self, model_file: str, num_threads: Optional[int] = None):
        self.runner = OnnxRunner(model_file, num_threads=num_threads)
        self.meta = self.runner.meta

    def predict_bgr(
        self, img_bgr: np.ndarray, img_path: Optional[str] = None
    ) -> BUSPrediction:
        """Predict one ``(H, W, 3)`` uint8 BGR image at its original size."""
        out = self.runner(img_bgr)
        return BUSPrediction(
            img_path=img_path,
            image=np.ascontiguousarray(img_bgr[..., ::-1]),
            mask=out['mask'],
            probs=out['probs'],
            classes=out['classes'] or CLS_CLASSES,
            pred_label=out['pred_label'],
            regions=out['regions'],
        )
