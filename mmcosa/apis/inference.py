"""Python inference API: build a model, run it on images of any kind.

Call graph::

    init_model(config, checkpoint, device)      -> nn.Module (eval mode)
    inference_model(model, img | [img, ...])    -> BUSPrediction | list
      ├─ read_image(path) / to_bgr(array)      any size, grey/RGB/RGBA
      ├─ build_inference_pipeline(model.cfg)   test pipeline, no loading
      ├─ model.test_step(batch)                 SegDataSample
      └─ BUSPrediction: mask (H, W) at the original size, class
         probabilities, predicted label, COSA region maps (3, H, W)
         (the sample's pred_sem_seg, pred_score, pred_label, pred_regions)
"""

import os.path as osp
from pathlib import Path
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model import is_model_wrapper

from mmcosa.utils.checkpoint_loader import check_checkpoint_file
from mmcosa.utils.preflight import load_config
from mmcosa.utils.weights import load_weights

from .image_io import list_images, read_image, to_bgr
from .prediction import BUSPrediction

__all__ = [
    'build_inference_pipeline',
    'collect_inputs',
    'inference_model',
    'init_model',
]

ImageInput = Union[str, Path, np.ndarray]
_DEFAULT_CLASSES = ('benign', 'malignant')


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
    """The model's test pipeline with the loading steps removed.

    Images are loaded by :func:`mmcosa.apis.read_image` instead, so steps
    named ``LoadImage*`` and ``*LoadAnnotations*`` are dropped; a
    ``grayscale`` load is honoured by the caller. ``PackBUSInputs`` gets
    ``require_label=False``. A pipeline without any ``Resize`` step (one
    written for images already at the model's size, like the phantom's)
    gets ``Resize`` to the data preprocessor's ``size`` before its
    ``Pack*`` step, so images of any size work. Uses ``cfg.test_pipeline`` when
    present, else the (unwrapped) test dataset's pipeline.

    Args:
        cfg (Config): The model config.

    Returns:
        Compose: The pipeline, applied to ``dict(img=...)``.

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
    return Compose(steps)


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

    Args:
        source (str | Path): An image file or a folder of images.

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
            'image file or a folder of images.'
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


def inference_model(
    model: torch.nn.Module,
    imgs: Union[ImageInput, Sequence[ImageInput]],
    channel_order: str = 'rgb',
) -> Union[BUSPrediction, List[BUSPrediction]]:
    """Run a model built by :func:`init_model` on images.

    Args:
        model (nn.Module): The model (``model.cfg`` holds its config).
        imgs (str | Path | np.ndarray | Sequence): An image file, a folder
            of images, an array (``(H, W)``, ``(H, W, 3)`` or
            ``(H, W, 4)``, any size), or a list of files / arrays.
        channel_order (str): Channel order of colour *arrays*, ``'rgb'``
            (default) or ``'bgr'``. Files are decoded correctly either way.

    Returns:
        BUSPrediction | list[BUSPrediction]: One prediction for a single
        file or array; a list for a folder or a list.

    Raises:
        FileNotFoundError: If a path does not exist.
        ImageReadError: If a file is not a readable image (the first bad
            file stops the call; ``tools/infer.py`` reports each bad file
            and goes on).
    """
    cfg = _unwrap(model).cfg
    pipeline = build_inference_pipeline(cfg)
    grayscale = _wants_grayscale(cfg)
    is_batch = isinstance(imgs, (list, tuple)) or (
        isinstance(imgs, (str, Path)) and osp.isdir(str(imgs))
    )
    if isinstance(imgs, (str, Path)):
        items: list = collect_inputs(imgs)
    elif isinstance(imgs, (list, tuple)):
        items = list(imgs)
    else:
        items = [imgs]
    predictions = []
    for item in items:
        if isinstance(item, np.ndarray):
            img, path = to_bgr(item, channel_order), None
        else:
            path = str(item)
            img = read_image(path)
        predictions.append(_predict_one(model, pipeline, img, path, grayscale))
    return predictions if is_batch else predictions[0]
