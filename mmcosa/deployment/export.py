"""Export an mmcosa segmentor to ONNX with its preprocessing as metadata.

Call graph::

    export_onnx(model, out)
      ├─ check_exportable(model.cfg)       slide / TTA / odd pipelines refused
      ├─ preprocess_spec(model.cfg)        resize, pad, mean/std, channel order
      ├─ ExportWrapper(model)              (N, 3, H, W) -> seg logits,
      │                                    class probabilities, region maps
      ├─ torch.onnx.export(...)            dynamic batch, fixed H x W
      └─ metadata_props['mmcosa'] = JSON   read back by OnnxRunner

The graph takes the *normalised* image batch at the model's input size; the
steps before it (resize, padding, normalisation, channel order) and after it
(crop the padding, resize to the original size, argmax) are written into the
model's metadata so :class:`mmcosa.deployment.onnx_runner.OnnxRunner`
repeats them without the config, torch or mmseg.
"""

import json
import os
import os.path as osp
import tempfile
import warnings
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from mmcosa.datasets.metainfo import CLS_CLASSES, SEG_CLASSES
from mmcosa.version import __version__

__all__ = [
    'METADATA_KEY',
    'ExportError',
    'ExportWrapper',
    'check_exportable',
    'export_onnx',
    'preprocess_spec',
]

#: Key of the JSON record in the ONNX model's ``metadata_props``.
METADATA_KEY = 'mmcosa'
#: Version of the metadata layout (``OnnxRunner`` checks it).
METADATA_FORMAT = 1
_INTERPOLATIONS = ('nearest', 'bilinear', 'bicubic', 'area', 'lanczos')
_TTA_TYPES = ('SegTTAModel', 'MultiTaskTTAModel')


class ExportError(ValueError):
    """A model or config that cannot be exported as asked."""


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def _type_name(step: Any) -> str:
    kind = step.get('type', '') if isinstance(step, dict) else ''
    return (
        kind.__name__ if isinstance(kind, type) else str(kind).split('.')[-1]
    )


def check_exportable(cfg: Config, model: Optional[nn.Module] = None) -> None:
    """Refuse what one ONNX graph cannot do, saying what to change.

    Args:
        cfg (Config): The model config.
        model (nn.Module, optional): The built model.

    Raises:
        ExportError: For slide inference, a test-time-augmentation model,
            or a model without a segmentation decode head.
    """
    model_cfg = cfg.get('model', {}) or {}
    if _type_name(model_cfg) in _TTA_TYPES:
        raise ExportError(
            f'the config builds a test-time-augmentation model '
            f'({_type_name(model_cfg)}): ONNX export takes the plain model; '
            f'export the config without --tta and flip outside the graph if '
            f'you need it.'
        )
    test_cfg = model_cfg.get('test_cfg', None) or {}
    if test_cfg.get('mode', 'whole') != 'whole':
        raise ExportError(
            f'model.test_cfg.mode={test_cfg.get("mode")!r}: sliding-window '
            f'inference loops over crops of each image in Python and cannot '
            f'be one ONNX graph; export with --cfg-options '
            f'model.test_cfg.mode=whole (the image is then resized to the '
            f'input size as a whole).'
        )
    if model is not None:
        inner = _unwrap(model)
        if not hasattr(inner, 'decode_head'):
            raise ExportError(
                f'{type(inner).__name__} has no segmentation decode head: '
                f'the ONNX export covers mmseg segmentors (UResNet, MTL, '
                f'MTL-SA, MTL-COSA); the classifier baselines are mmpretrain '
                f'models, export them with mmdeploy.'
            )


def preprocess_spec(cfg: Config) -> Dict[str, Any]:
    """The preprocessing of ``cfg`` as data a runner can repeat.

    Read from the test pipeline (``Resize``, ``PadToSize``) and the data
    preprocessor (mean, std, ``bgr_to_rgb``, ``size``), in the order
    :func:`mmcosa.apis.inference_model` applies them.

    Args:
        cfg (Config): The model config.

    Returns:
        dict: ``input_size`` ``[H, W]``, ``steps`` (``resize`` with
        ``size`` ``[w, h]``, ``keep_ratio`` and ``interpolation``; ``pad``
        with ``size`` ``[w, h]`` and ``pad_val``), ``mean``, ``std``,
        ``to_rgb`` and ``grayscale``.

    Raises:
        ExportError: If the pipeline holds a step the runner cannot repeat
            or the input size cannot be fixed.
    """
    from mmcosa.apis.inference import (
        _wants_grayscale,
        inference_pipeline_steps,
    )

    pre = (cfg.get('model', {}) or {}).get('data_preprocessor', None) or {}
    try:
        # Loading removed, a Resize to the preprocessor's size added when
        # the pipeline has none: what inference_model runs.
        pipeline = inference_pipeline_steps(cfg)
    except ValueError as err:
        raise ExportError(str(err)) from err
    steps: List[Dict[str, Any]] = []
    for step in pipeline:
        name = _type_name(step)
        if name in ('PackBUSInputs', 'PackSegInputs'):
            continue
        if name == 'Resize':
            scale = step.get('scale', None)
            if not isinstance(scale, (tuple, list)) or len(scale) != 2:
                raise ExportError(
                    f'Resize step {step!r}: the export needs a fixed '
                    f'scale=(w, h); a scale_factor or a random scale cannot '
                    f'be repeated.'
                )
            interp = step.get('interpolation', 'bilinear')
            if interp not in _INTERPOLATIONS:
                raise ExportError(
                    f'Resize interpolation {interp!r} is not one of '
                    f'{_INTERPOLATIONS}.'
                )
            steps.append(
                dict(
                    type='resize',
                    size=[int(scale[0]), int(scale[1])],
                    keep_ratio=bool(step.get('keep_ratio', False)),
                    interpolation=interp,
                )
            )
        elif name == 'PadToSize':
            steps.append(
                dict(
                    type='pad',
                    size=[int(s) for s in step['size']],
                    pad_val=int(step.get('pad_val', 0)),
                )
            )
        elif name == 'RandomFlip' and float(step.get('prob', 0.0)) == 0.0:
            continue
        else:
            raise ExportError(
                f'test pipeline step {name!r} cannot be repeated by the ONNX '
                f'runner (it repeats Resize and PadToSize); remove it from '
                f'test_pipeline or preprocess the images before inference.'
            )
    if not any(step['type'] == 'resize' for step in steps):
        raise ExportError(
            'the test pipeline has no Resize and the data preprocessor '
            'no size: the export cannot fix the input size; add '
            "dict(type='Resize', scale=(w, h)) to test_pipeline."
        )
    last = steps[-1]
    input_w, input_h = last['size']
    if last['type'] == 'resize' and last['keep_ratio']:
        raise ExportError(
            'Resize(keep_ratio=True) without a following PadToSize gives '
            'images of varying size; add PadToSize (see '
            'configs/_base_/datasets/keep_ratio_256.py).'
        )
    grayscale = _wants_grayscale(cfg)
    channels = 1 if grayscale else 3
    mean = [float(v) for v in pre.get('mean', None) or [0.0] * channels]
    std = [float(v) for v in pre.get('std', None) or [1.0] * channels]
    return dict(
        input_size=[int(input_h), int(input_w)],
        steps=steps,
        mean=mean,
        std=std,
        to_rgb=bool(pre.get('bgr_to_rgb', False)) and not grayscale,
        grayscale=grayscale,
    )


class ExportWrapper(nn.Module):
    """An mmcosa segmentor as one traceable function of the image batch.

    Args:
        model (nn.Module): ``MultiTaskEncoderDecoder`` (or an mmseg
            ``EncoderDecoder`` for segmentation only), in eval mode.
        with_regions (bool): Output the COSA region maps when the model
            has a COSA neck. Defaults to True.
    """

    def __init__(self, model: nn.Module, with_regions: bool = True) -> None:
        super().__init__()
        self.model = _unwrap(model)
        self.with_cls = bool(getattr(self.model, 'with_cls', False))
        self.with_regions = with_regions and bool(
            getattr(self.model, 'with_regions', False)
        )

    @property
    def output_names(self) -> Tuple[str, ...]:
        """Names of the graph outputs, in order."""
        names = ('seg_logits',)
        if self.with_cls:
            names += ('probs',)
        if self.with_regions:
            names += ('regions',)
        return names

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Run both heads.

        Args:
            inputs (Tensor): Normalised images (N, C, H, W).

        Returns:
            tuple[Tensor]: ``seg_logits`` (N, K, H, W) at the input size,
            ``probs`` (N, num_classes) softmax (with a classifier) and
            ``regions`` (N, 3, H, W) background / tumour / margin (with a
            COSA neck and ``with_regions``).
        """
        model = self.model
        feats = model.extract_feat(inputs)
        raw = model.decode_head.forward(feats)
        seg = F.interpolate(
            raw,
            size=inputs.shape[2:],
            mode='bilinear',
            align_corners=model.align_corners,
        )
        outs = (seg,)
        if self.with_cls:
            cls_logits, regions = model._classify(
                feats, raw, inputs, return_regions=self.with_regions
            )
            outs += (model.cls_head.predict_by_feat(cls_logits),)
            if self.with_regions:
                outs += (regions.to(seg.dtype),)
        return outs


def _meta(model: nn.Module, cfg: Config, wrapper: ExportWrapper) -> dict:
    meta = getattr(model, 'dataset_meta', None) or {}
    head = model.decode_head
    return dict(
        format=METADATA_FORMAT,
        producer=f'mmcosa {__version__}',
        config=osp.basename(cfg.filename) if cfg.filename else None,
        preprocess=preprocess_spec(cfg),
        input_name='input',
        outputs=list(wrapper.output_names),
        seg_classes=list(meta.get('classes', SEG_CLASSES)),
        tumour_index=int(getattr(model.cls_neck, 'tumour_index', 1))
        if wrapper.with_cls
        else 1,
        num_seg_classes=int(head.out_channels),
        seg_threshold=float(getattr(head, 'threshold', None) or 0.3)
        if int(head.out_channels) == 1
        else None,
        align_corners=bool(model.align_corners),
        classes=list(meta.get('cls_classes', CLS_CLASSES))
        if wrapper.with_cls
        else [],
    )


def export_onnx(
    model: nn.Module,
    out: str,
    with_regions: bool = True,
    opset: int = 17,
    extra_meta: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Export ``model`` to ``out``, atomically, with its metadata.

    Args:
        model (nn.Module): Model from :func:`mmcosa.apis.init_model`
            (``model.cfg`` holds its config).
        out (str): The ``.onnx`` file to write; nothing is left there when
            the export fails.
        with_regions (bool): Add the COSA region maps as an output (only
            for a COSA model). Defaults to True.
        opset (int): ONNX opset. Defaults to 17.
        extra_meta (dict, optional): More keys for the metadata record
            (e.g. the checkpoint's digest).

    Returns:
        dict: The metadata record written into the model.

    Raises:
        ExportError: If the model or its config cannot be exported.
    """
    import onnx

    inner = _unwrap(model)
    cfg = inner.cfg
    check_exportable(cfg, inner)
    inner.eval()
    wrapper = ExportWrapper(inner, with_regions=with_regions).eval()
    meta = _meta(inner, cfg, wrapper)
    meta.update(extra_meta or {})
    height, width = meta['preprocess']['input_size']
    channels = 1 if meta['preprocess']['grayscale'] else 3
    param = next(inner.parameters())
    dummy = torch.zeros(
        (1, channels, height, width), dtype=param.dtype, device=param.device
    )
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.onnx.partial', dir=folder)
    os.close(fd)
    try:
        dynamic = {'input': {0: 'batch'}}
        dynamic.update({name: {0: 'batch'} for name in wrapper.output_names})
        with torch.no_grad(), warnings.catch_warnings():
            # Shapes read as ints are constants of the fixed-size graph.
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            torch.onnx.export(
                wrapper,
                (dummy,),
                tmp,
                input_names=['input'],
                output_names=list(wrapper.output_names),
                dynamic_axes=dynamic,
                opset_version=opset,
                dynamo=False,
            )
        proto = onnx.load(tmp)
        entry = proto.metadata_props.add()
        entry.key, entry.value = METADATA_KEY, json.dumps(meta)
        onnx.checker.check_model(proto)
        onnx.save(proto, tmp)
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return meta
