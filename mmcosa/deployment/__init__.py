"""Deployment: ONNX export with a parity check, int8 quantisation, an ONNX
Runtime runner that needs neither torch nor mmseg, and model cards.

Not imported by ``import mmcosa`` (it needs ``onnx`` and ``onnxruntime``,
see ``requirements/deploy.txt``). ``onnx_runner.py`` is self-contained: a
workstation can take that one file.
"""

from .export import (
    METADATA_KEY,
    ExportError,
    ExportWrapper,
    check_exportable,
    export_onnx,
    preprocess_spec,
)
from .model_card import build_model_card, format_model_card, write_model_card
from .onnx_runner import OnnxRunner, OnnxRunnerError
from .ort_model import ORTModel
from .parity import (
    FP32_TOLERANCE,
    INT8_TOLERANCE,
    ParityError,
    check_parity,
    compare_predictions,
    phantom_images,
    torch_predictions,
)
from .quantize import quantize_int8, read_metadata

__all__ = [
    'FP32_TOLERANCE',
    'INT8_TOLERANCE',
    'METADATA_KEY',
    'ExportError',
    'ExportWrapper',
    'ORTModel',
    'OnnxRunner',
    'OnnxRunnerError',
    'ParityError',
    'build_model_card',
    'check_exportable',
    'check_parity',
    'compare_predictions',
    'export_onnx',
    'format_model_card',
    'phantom_images',
    'preprocess_spec',
    'quantize_int8',
    'read_metadata',
    'torch_predictions',
    'write_model_card',
]
