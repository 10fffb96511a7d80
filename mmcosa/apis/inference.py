"""Python inference API: build a model, run it on images of any kind.

Call graph::

    init_model(config, checkpoint, device)      -> nn.Module (eval mode)
    inference_model(model, img | [img, ...])    -> BUSPrediction | list
      ├─ load_inputs(img)                      [InputFrame]: any size,
      │                                         grey/RGB/RGBA, DICOM frames
      ├─ make_predictor(model)                 predict(img_bgr, img_path)
      │    ├─ model.predict_bgr, if it has one (another backend)
      │    └─ else build_inference_pipeline(model.cfg) (test pipeline, no
      │       loading) + model.test_step(batch) -> SegDataSample
      │       -> BUSPrediction: mask (H, W) at the original size, class
      │       probabilities, predicted label, COSA region maps (3, H, W)
      │       (pred_sem_seg, pred_score, pred_label, pred_regions)
      └─ attach_frame_info(pred, frame)        DICOM frame number, pixel
                                                size in mm, size_note

Reading (files, DICOM frames, ultrasound regions) and the sizes in mm are
done here for any backend: a model object with a
``predict_bgr(img_bgr, img_path) -> BUSPrediction`` method is used as it
is, and its predictions get the frame and mm fields like the PyTorch ones.
"""

import os.path as osp
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model import is_model_wrapper

from mmcosa.datasets.metainfo import CLS_CLASSES
from mmcosa.utils.checkpoint_loader import check_checkpoint_file
from mmcosa.utils.lesion_size import region_pixel_size
from mmcosa.utils.preflight import load_config
from mmcosa.utils.weights import load_weights

from .image_io import InputFrame, list_images, read_frames, to_bgr
from .prediction import BUSPrediction

__all__ = [
    'attach_frame_info',
    'build_inference_pipeline',
    'collect_inputs',
    'inference_pipeline_steps',
    'inference_model',
    'init_model',
    'load_inputs',
    'make_predictor',
]

ImageInput = Union[str, Path, np.ndarray]
Predictor = Callable[[np.ndarray, Optional[str]], BUSPrediction]
_DEFAULT_CLASSES = CLS_CLASSES


def _drop_pretrained(node: Any) -> None:
    """Remove pretrained-weight loading so building never downloads."""
    if isinstance(node, dict):
        init_cfg = node.get('init_cfg', None)
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            node['init_cfg'] = None
        if node.get('pretrained', None) is not None and isinstance(
            node['pretrained'], str
        ):
            node['pretrained'] = None
        for value in node.values():
            _drop_pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _drop_pretrained(value)


def init_model(
    config: Union[str, Path, Config],
    checkpoint: Optional[str] = None,
    device: str = 'cpu',
    cfg_options: Optional[dict] = None,
    allow_partial_load: bool = False,
) -> torch.nn.Module:
    """Build a model from a config and load a checkpoint strictly.

    Pretrained-weight downloads named in the config are switched off: the
    checkpoint holds all weights. A checkpoint that does not fit the model
    (another backbone depth, another head) is refused with one line, see
    :func:`mmcosa.utils.weights.load_weights`. Checkpoints are loaded
    weights-only (see :mod:`mmcosa.utils.checkpoint_loader`).

    Args:
        config (str | Path | Config): Config file or object.
        checkpoint (str, optional): Checkpoint written by tools/train.py.
            None leaves the weights random (for tests).
        device (str): Torch device. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config.
        allow_partial_load (bool): Load only the tensors that fit, with a
            WARNING, instead of raising. Defaults to False.

    Returns:
        nn.Module: The model in eval mode, with ``cfg`` and
        ``dataset_meta`` (from the checkpoint) attached.

    Raises:
        FileNotFoundError: If the config or checkpoint file is missing.
        TypeError: If ``config`` has an unsupported type.
        ConfigError: If the config cannot be read.
        CheckpointError: If the checkpoint cannot be read or does not fit
            (:class:`~mmcosa.utils.weights.CheckpointMismatchError`).
    """
    import mmseg.apis  # noqa: F401 (lazily, it imports the visualizer)
    from mmseg.apis import init_model as mmseg_init_model

    name = str(config) if isinstance(config, (str, Path)) else None
    if isinstance(config, (str, Path)):
        if not osp.isfile(config):
            raise FileNotFoundError(
                f'config file {str(config)!r} does not '
                'exist; configs live in configs/.'
            )
        config = load_config(str(config))
    elif not isinstance(config, Config):
        raise TypeError(
            f'config must be a file name or a Config, got '
            f'{type(config).__name__}.'
        )
    else:
        config = config.copy()
        name = config.filename
    if checkpoint is not None:
        check_checkpoint_file(checkpoint)
    if cfg_options:
        config.merge_from_dict(cfg_options)
    _drop_pretrained(config.model)
    model = mmseg_init_model(config, None, device='cpu')
    if checkpoint is not None:
        loaded = load_weights(model, checkpoint, name, allow_partial_load)
        meta = loaded.get('meta', None) if isinstance(loaded, dict) else None
        if isinstance(meta, dict) and meta.get('dataset_meta'):
            model.dataset_meta = meta['dataset_meta']
    if not getattr(model, 'dataset_meta', None):
        model.dataset_meta = dict(cls_classes=_DEFAULT_CLASSES)
    return model.to(device)


def _find_dataset_cfg(cfg: Config) -> Optional[dict]:
    """The innermost test (else val) dataset config, unwrapping wrappers."""
    for key in ('test_dataloader', 'val_dataloader'):
        loader = cfg.get(key, None)
        dataset = loader.get('dataset', None) if loader else None
        while isinstance(dataset, dict):
            if 'pipeline' in dataset:
                return dataset
            inner = dataset.get('dataset', None)
            if inner is None and dataset.get('datasets'):
                inner = dataset['datasets'][0]
            dataset = inner
    return None


def build_inference_pipeline(cfg: Config) -> Compose:
    """:func:`inference_pipeline_steps` of ``cfg``, built.

    Args:
        cfg (Config): The model config.

    Returns:
        Compose: The pipeline, applied to ``dict(img=...)``.

    Raises:
        ValueError: If the config defines no test pipeline.
    """
    return Compose(inference_pipeline_steps(cfg))


def inference_pipeline_steps(cfg: Config) -> List[dict]:
    """The model's test pipeline with the loading steps removed.

    Images are loaded by :func:`mmcosa.apis.read_image` instead, so steps
    named ``LoadImage*`` and ``*LoadAnnotations*`` are dropped; a
    ``grayscale`` load is honoured by the caller. ``PackBUSInputs`` gets
    ``require_label=False``. A pipeline without any ``Resize`` step (one
    written for images already at the model's size, like the phantom's)
    gets ``Resize`` to the data preprocessor's ``size`` before its
    ``Pack*`` step, so images of any size work. Uses ``cfg.test_pipeline`` when
    present, else the (unwrapped) test dataset's pipeline.

    This is the one description of what :func:`inference_model` runs;
    the ONNX export reads its preprocessing from it too.

    Args:
        cfg (Config): The model config.

    Returns:
        list[dict]: The step configs, in order.

    Raises:
        ValueError: If the config defines no test pipeline.
    """
    pipeline = cfg.get('test_pipeline', None)
    if pipeline is None:
        dataset = _find_dataset_cfg(cfg)
        pipeline = dataset.get('pipeline', None) if dataset else None
    if pipeline is None:
        raise ValueError(
            'the config has no test_pipeline and no test '
            'dataset pipeline; add `test_pipeline = [...]`.'
        )
    steps = []
    has_resize = False
    for step in pipeline:
        kind = str(step.get('type', '')) if isinstance(step, dict) else ''
        name = kind.split('.')[-1]
        if name.startswith('LoadImage') or 'LoadAnnotations' in name:
            continue
        has_resize = has_resize or 'Resize' in name
        if name == 'PackBUSInputs':
            step = dict(step, require_label=False)
        steps.append(step)
    size = (cfg.get('model', {}).get('data_preprocessor', None) or {}).get(
        'size', None
    )
    if not has_resize and size is not None:
        # A pipeline written for images already at the input size (the
        # phantom): bring any image to the size the model pads to.
        resize = dict(
            type='Resize', scale=(int(size[1]), int(size[0])), keep_ratio=False
        )
        names = [
            str(t.get('type', '')).split('.')[-1]
            if isinstance(t, dict)
            else ''
            for t in steps
        ]
        packs = [i for i, n in enumerate(names) if n.startswith('Pack')]
        steps.insert(packs[0] if packs else len(steps), resize)
    return steps


def _wants_grayscale(cfg: Config) -> bool:
    dataset = _find_dataset_cfg(cfg) or {}
    if dataset.get('color_type', None) == 'grayscale':
        return True
    for step in dataset.get('pipeline', []) or []:
        if isinstance(step, dict) and str(step.get('type', '')).endswith(
            'LoadImageFromFile'
        ):
            return step.get('color_type', 'color') == 'grayscale'
    return False


def collect_inputs(source: Union[str, Path]) -> List[str]:
    """Expand an image path or a folder into a list of file paths.

    Files are not opened here: a folder's PNGs, DICOMs with or without an
    extension and stray files all come back, to be read (or reported) by
    :func:`mmcosa.apis.image_io.read_frames`.

    Args:
        source (str | Path): An image or DICOM file, or a folder of them.

    Returns:
        list[str]: The file, or every file in the folder (sorted).

    Raises:
        FileNotFoundError: If ``source`` does not exist.
        ValueError: If the folder is empty.
    """
    source = str(source)
    if osp.isdir(source):
        return list_images(source)
    if not osp.exists(source):
        raise FileNotFoundError(
            f'input {source!r} does not exist; pass an '
            'image or DICOM file or a folder of them.'
        )
    return [source]


def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if is_model_wrapper(model) else model


def _classes(model: torch.nn.Module, num: int) -> tuple:
    meta = getattr(model, 'dataset_meta', None) or {}
    classes = tuple(meta.get('cls_classes', _DEFAULT_CLASSES))
    if len(classes) < num:
        classes = classes + tuple(
            f'class_{i}' for i in range(len(classes), num)
        )
    return classes


@torch.no_grad()
def _predict_one(
    model: torch.nn.Module,
    pipeline: Compose,
    img_bgr,
    img_path: Optional[str],
    grayscale: bool,
) -> BUSPrediction:
    inner = _unwrap(model)
    img = img_bgr[..., 0].copy() if grayscale else img_bgr
    h, w = img_bgr.shape[:2]
    results = dict(
        img=img, img_path=img_path, ori_shape=(h, w), img_shape=(h, w)
    )
    data = pseudo_collate([pipeline(results)])
    sample = model.test_step(data)[0]

    mask = probs = label = regions = None
    if 'pred_sem_seg' in sample:
        mask = (
            sample.pred_sem_seg.data.squeeze(0).cpu().numpy().astype(np.uint8)
        )
        mask = (mask == 1).astype(np.uint8)
    if 'pred_score' in sample:
        probs = sample.pred_score.detach().float().cpu().numpy().reshape(-1)
        label = (
            int(sample.pred_label.reshape(-1)[0])
            if 'pred_label' in sample
            else int(np.argmax(probs))
        )
    if 'pred_regions' in sample:
        regions = sample.pred_regions.data.float().cpu().numpy()
    return BUSPrediction(
        img_path=img_path,
        image=np.ascontiguousarray(img_bgr[..., ::-1]),
        mask=mask,
        probs=probs,
        classes=_classes(inner, 0 if probs is None else probs.size),
        pred_label=label,
        regions=regions,
    )


def make_predictor(model: Any) -> Predictor:
    """The per-image prediction call of any backend.

    Args:
        model: A model from :func:`init_model`, or an object with a method
            ``predict_bgr(img_bgr, img_path) -> BUSPrediction`` (another
            backend, such as ONNX Runtime), which is then used as is.

    Returns:
        Callable: ``predict(img_bgr, img_path) -> BUSPrediction`` for an
        ``(H, W, 3)`` uint8 BGR image at its original size.
    """
    if callable(getattr(model, 'predict_bgr', None)):
        return model.predict_bgr
    cfg = _unwrap(model).cfg
    pipeline = build_inference_pipeline(cfg)
    grayscale = _wants_grayscale(cfg)

    def predict(img_bgr: np.ndarray, img_path: Optional[str]) -> BUSPrediction:
        return _predict_one(model, pipeline, img_bgr, img_path, grayscale)

    return predict


def load_inputs(
    imgs: Union[ImageInput, Sequence[ImageInput]], channel_order: str = 'rgb'
) -> List[InputFrame]:
    """Read inputs into the frames a predictor runs on.

    This is the reading shared by every backend: image files, each frame of
    a DICOM file (with its ultrasound regions), and arrays.

    Args:
        imgs (str | Path | np.ndarray | Sequence): A file, a folder, an
            array, or a list of files / arrays.
        channel_order (str): Channel order of colour arrays, ``'rgb'``
            (default) or ``'bgr'``.

    Returns:
        list[InputFrame]: ``(img_bgr, frame, regions, path, num_frames)``
        per image; a DICOM file gives one per frame.

    Raises:
        FileNotFoundError: If a path does not exist.
        ImageReadError: At the first file that cannot be read.
    """
    if isinstance(imgs, (str, Path)):
        items: list = collect_inputs(imgs)
    elif isinstance(imgs, (list, tuple)):
        items = list(imgs)
    else:
        items = [imgs]
    frames: List[InputFrame] = []
    for item in items:
        if isinstance(item, np.ndarray):
            frames.append(InputFrame(to_bgr(item, channel_order)))
        else:
            frames.extend(read_frames(str(item)))
    return frames


def attach_frame_info(pred: BUSPrediction, item: InputFrame) -> BUSPrediction:
    """Give a prediction its source, DICOM frame and pixel size in mm.

    The pixel size is that of the DICOM ultrasound region holding the
    predicted lesion (:func:`mmcosa.utils.lesion_size.region_pixel_size`);
    ``pred.size_note`` says where it came from or why there is none.

    Args:
        pred (BUSPrediction): A backend's prediction for ``item``.
        item (InputFrame): The frame it was made from.

    Returns:
        BUSPrediction: ``pred``, updated in place.
    """
    pred.img_path, pred.frame = item.path, item.frame
    pred.pixel_size_mm = None
    if item.regions is None:
        pred.size_note = (
            'not a DICOM file' if item.path else 'an array has no pixel size'
        )
    elif pred.mask is None:
        pred.size_note = 'no tumour mask (classification-only model)'
    else:
        pred.pixel_size_mm, pred.size_note = region_pixel_size(
            pred.mask, item.regions
        )
    return pred


def inference_model(
    model: Any,
    imgs: Union[ImageInput, Sequence[ImageInput]],
    channel_order: str = 'rgb',
) -> Union[BUSPrediction, List[BUSPrediction]]:
    """Run a model built by :func:`init_model` on images.

    Args:
        model (nn.Module): The model (``model.cfg`` holds its config), or
            any object with ``predict_bgr`` (see :func:`make_predictor`).
        imgs (str | Path | np.ndarray | Sequence): An image or DICOM file,
            a folder of them, an array (``(H, W)``, ``(H, W, 3)`` or
            ``(H, W, 4)``, any size), or a list of files / arrays.
        channel_order (str): Channel order of colour *arrays*, ``'rgb'``
            (default) or ``'bgr'``. Files are decoded correctly either way.

    Returns:
        BUSPrediction | list[BUSPrediction]: One prediction for an array or
        a single-frame file; a list, one per frame in order, for a
        multi-frame DICOM file; a flat list of every frame for a folder or
        a list. DICOM predictions carry ``frame`` and, when the file's
        ultrasound region gives it, ``pixel_size_mm`` with the sizes
        ``tumour_area_mm2`` and ``longest_diameter_mm``.

    Raises:
        FileNotFoundError: If a path does not exist.
        ImageReadError: If a file is not a readable image (the first bad
            file stops the call; ``tools/infer.py`` reports each bad file
            and goes on).
    """
    is_batch = isinstance(imgs, (list, tuple)) or (
        isinstance(imgs, (str, Path)) and osp.isdir(str(imgs))
    )
    frames = load_inputs(imgs, channel_order)
    predict = make_predictor(model)
    predictions = [
        attach_frame_info(predict(item.img_bgr, item.path), item)
        for item in frames
    ]
    return predictions if is_batch or len(predictions) > 1 else predictions[0]
