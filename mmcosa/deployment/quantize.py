"""int8 quantisation of an exported model with ONNX Runtime.

Static quantisation (QDQ, per-channel int8 weights, uint8 activations)
calibrated on images run through the model's own preprocessing. The COSA
neck and the class head stay in fp32: the neck's region split compares
logits and convolves a binary mask with Sobel and box kernels, which must
stay exact, and both are a few per cent of the time. The backbone and the
decoder, where the time goes, run in int8 (VNNI on CPUs that have it; on
AVX2-only CPUs ONNX Runtime's u8s8 kernels).
"""

import json
import os
import os.path as osp
import tempfile
from typing import Any, Dict, Optional, Sequence

import numpy as np

from .export import METADATA_KEY
from .onnx_runner import preprocess

__all__ = ['EXCLUDED_SCOPES', 'quantize_int8', 'read_metadata']

#: Graph node name parts kept in fp32.
EXCLUDED_SCOPES = ('cls_neck', 'cls_head')


def read_metadata(model_file: str) -> Dict[str, Any]:
    """The ``mmcosa`` metadata record of an exported model."""
    import onnx

    proto = onnx.load(model_file, load_external_data=False)
    for entry in proto.metadata_props:
        if entry.key == METADATA_KEY:
            return json.loads(entry.value)
    raise ValueError(
        f'{model_file!r} has no {METADATA_KEY!r} metadata: it was not written '
        f'by tools/deployment/pytorch2onnx.py.'
    )


def quantize_int8(
    model_file: str,
    out: str,
    calibration_images: Sequence[np.ndarray],
    excluded_scopes: Sequence[str] = EXCLUDED_SCOPES,
    calibration_note: Optional[str] = None,
) -> Dict[str, Any]:
    """Write an int8 copy of an exported fp32 model.

    Args:
        model_file (str): The fp32 ``.onnx`` from :func:`export_onnx`.
        out (str): The int8 ``.onnx`` to write (atomically).
        calibration_images (Sequence[np.ndarray]): BGR uint8 images, any
            size (16-100 typical); they are preprocessed as at inference.
        excluded_scopes (Sequence[str]): Node name parts kept in fp32.
            Defaults to :data:`EXCLUDED_SCOPES`.
        calibration_note (str, optional): Where the images came from, kept
            in the metadata.

    Returns:
        dict: The int8 model's metadata record (``precision='int8'``).

    Raises:
        ValueError: If no calibration image is given or ``model_file`` is
            not an mmcosa export.
    """
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if not len(calibration_images):
        raise ValueError(
            'int8 quantisation needs calibration images (e.g. 32 images '
            'of the training set or the phantom).'
        )
    meta = read_metadata(model_file)
    spec = meta['preprocess']
    batches = [
        {meta['input_name']: preprocess(img, spec)[0][None]}
        for img in calibration_images
    ]

    class _Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._items = iter(batches)

        def get_next(self) -> Optional[dict]:
            return next(self._items, None)

    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        pre = osp.join(tmp, 'pre.onnx')
        quant_pre_process(model_file, pre, skip_symbolic_shape=True)
        nodes = onnx.load(pre).graph.node
        excluded = [
            n.name for n in nodes if any(s in n.name for s in excluded_scopes)
        ]
        quantized = osp.join(tmp, 'int8.onnx')
        quantize_static(
            pre,
            quantized,
            _Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=excluded,
        )
        proto = onnx.load(quantized)
        meta = dict(
            meta,
            precision='int8',
            quantization=dict(
                method='onnxruntime static QDQ, per-channel int8 weights, '
                'uint8 activations, MinMax calibration',
                calibration_images=len(batches),
                calibration=calibration_note,
                fp32_scopes=list(excluded_scopes),
                num_fp32_nodes=len(excluded),
            ),
        )
        del proto.metadata_props[:]
        entry = proto.metadata_props.add()
        entry.key, entry.value = METADATA_KEY, json.dumps(meta)
        staged = osp.join(tmp, 'final.onnx')
        onnx.save(proto, staged)
        os.replace(staged, out)
    return meta
