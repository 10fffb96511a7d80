"""Checks run before a Runner is built, so that errors come as one line.

mmengine's Runner prints the whole merged config (hundreds of lines) when
it is built, and data problems surface after it as a long stack trace. The
tools check here first, cheaply (no image is decoded, no model is built):

- the config file exists, parses, and has the sections the job needs;
- the model and dataset types are registered (a typo, a missing import);
- every data folder named by the dataloaders the job builds exists and
  looks prepared: for :class:`~mmcosa.datasets.BUSDataset` its
  ``meta.json`` source, folds, ``labels.csv``, split file and the listed
  images and masks; for other file-based data sets ``data_root`` and the
  ``data_prefix`` folders;
- under ``--resume``, the checkpoint ``last_checkpoint`` names is complete.

Each problem raises :class:`ConfigError` naming the config, the setting and
the fix.
"""

import glob
import os.path as osp
import re
from typing import Iterable, List, Optional

from mmengine.config import Config

from .checkpoint_loader import CheckpointError, check_checkpoint_file

__all__ = [
    'ConfigError',
    'check_data',
    'check_resume',
    'check_sections',
    'dataset_cfgs',
    'load_config',
]

_PREPARE_HINT = (
    'prepare it with tools/dataset_converters/busi.py RAW OUT (or udiat.py) '
    'and set data_root, see the README, section "Data"'
)


class ConfigError(ValueError):
    """A config, its data or its work dir cannot be used as they are."""


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and merge ``--cfg-options`` into it.

    Args:
        path (str): Config file.
        cfg_options (dict, optional): Overrides.

    Returns:
        Config: The merged config.

    Raises:
        ConfigError: If the file is missing or cannot be parsed or merged.
    """
    if not osp.isfile(path):
        raise ConfigError(
            f'config file {path!r} does not exist; configs live in '
            'configs/, e.g. configs/mtl_cosa_r18_phantom.py'
        )
    try:
        cfg = Config.fromfile(path)
    except Exception as err:  # SyntaxError, a missing _base_, ...
        raise ConfigError(
            f'config file {path!r} cannot be read: {_one_line(err)}'
        ) from err
    if cfg_options:
        try:
            cfg.merge_from_dict(cfg_options)
        except Exception as err:
            raise ConfigError(
                f'--cfg-options cannot be merged into {path}: {_one_line(err)}'
            ) from err
    return cfg


def _one_line(err: Exception) -> str:
    text = ' '.join(str(err).split())
    return f'{type(err).__name__}: {text}' if text else type(err).__name__


def check_sections(cfg: Config, path: str, keys: Iterable[str]) -> None:
    """Raise when ``cfg`` lacks any of ``keys`` (or sets it to None).

    Args:
        cfg (Config): The config.
        path (str): Its file, named in the message.
        keys (Iterable[str]): Top-level keys the job needs.

    Raises:
        ConfigError: Naming every missing key.
    """
    missing = [k for k in keys if cfg.get(k, None) is None]
    if missing:
        raise ConfigError(
            f'config {path} has no {", ".join(missing)}; a config for this '
            f'tool needs them (see configs/mtl_cosa_r18_phantom.py).'
        )


def _registered(registry, kind: str, type_name, where: str, path: str):
    if not isinstance(type_name, str):
        return type_name if isinstance(type_name, type) else None
    cls = registry.get(type_name)
    if cls is None:
        raise ConfigError(
            f'{where}: {kind} type {type_name!r} in config {path} is not '
            f'registered (a typo, or a module missing from custom_imports).'
        )
    return cls


def dataset_cfgs(dataset: Optional[dict]) -> List[dict]:
    """The data set configs inside a (wrapped) dataloader data set.

    Args:
        dataset (dict, optional): ``loader.dataset``; ``RepeatDataset``-like
            wrappers (``dataset=``) and ``ConcatDataset`` (``datasets=``)
            are unwrapped.

    Returns:
        list[dict]: The innermost data set configs.
    """
    if not isinstance(dataset, dict):
        return []
    if isinstance(dataset.get('datasets'), (list, tuple)):
        return [
            d for inner in dataset['datasets'] for d in dataset_cfgs(inner)
        ]
    if isinstance(dataset.get('dataset'), dict):
        return dataset_cfgs(dataset['dataset'])
    return [dataset]


def _check_bus_dataset(cls, ds: dict, where: str, path: str) -> None:
    """Build the BUSDataset lazily and list its files (no image read)."""
    data_root = ds.get('data_root')
    if not isinstance(data_root, str) or not osp.isdir(data_root):
        raise ConfigError(
            f'{where}.data_root {data_root!r} of config {path} does not '
            f'exist; {_PREPARE_HINT}.'
        )
    missing = [
        name
        for name, ok in (
            ('images/', osp.isdir(osp.join(data_root, 'images'))),
            ('masks/', osp.isdir(osp.join(data_root, 'masks'))),
            ('labels.csv', osp.isfile(osp.join(data_root, 'labels.csv'))),
        )
        if not ok
    ]
    if missing:
        raise ConfigError(
            f'{where}.data_root {data_root} of config {path} is not a '
            f'prepared folder (no {", ".join(missing)}); {_PREPARE_HINT}.'
        )
    args = {k: v for k, v in ds.items() if k != 'type'}
    args.update(pipeline=[], lazy_init=True, serialize_data=False)
    try:
        infos = cls(**args).load_data_list()
    except (ValueError, TypeError, OSError) as err:
        raise ConfigError(f'{where} of config {path}: {err}') from err
    for field, folder in (('img_path', 'images'), ('seg_map_path', 'masks')):
        absent = [
            info[field]
            for info in infos
            if info.get(field) and not osp.isfile(info[field])
        ]
        if absent:
            raise ConfigError(
                f'{where} of config {path}: {len(absent)} of {len(infos)} '
                f'listed files are missing from {data_root}/{folder} '
                f'(first: {osp.basename(absent[0])}); run '
                f'tools/dataset_converters/verify.py {data_root}.'
            )


def _check_file_dataset(ds: dict, where: str, path: str) -> None:
    data_root = ds.get('data_root')
    if not isinstance(data_root, str) or not data_root:
        return
    if not osp.isdir(data_root):
        raise ConfigError(
            f'{where}.data_root {data_root!r} of config {path} does not '
            f'exist; set data_root to the folder holding the data.'
        )
    prefixes = ds.get('data_prefix') or {}
    for key, sub in prefixes.items():
        if (
            isinstance(sub, str)
            and sub
            and not osp.isdir(osp.join(data_root, sub))
        ):
            raise ConfigError(
                f'{where}.data_prefix.{key}: {osp.join(data_root, sub)} of '
                f'config {path} does not exist.'
            )


def check_data(cfg: Config, path: str, loaders: Iterable[str]) -> None:
    """Check the model type and the data sets of the given dataloaders.

    Args:
        cfg (Config): The merged config.
        path (str): Its file, named in messages.
        loaders (Iterable[str]): Dataloader keys the job builds, e.g.
            ``('train_dataloader', 'val_dataloader')``.

    Raises:
        ConfigError: For the first problem found.
    """
    from mmseg.registry import DATASETS, MODELS

    from mmcosa.datasets import BUSDataset

    model = cfg.get('model') or {}
    _registered(MODELS, 'model', model.get('type'), 'model', path)
    for key in loaders:
        loader = cfg.get(key) or {}
        for ds in dataset_cfgs(loader.get('dataset')):
            where = f'{key}.dataset'
            cls = _registered(DATASETS, 'dataset', ds.get('type'), where, path)
            if isinstance(cls, type) and issubclass(cls, BUSDataset):
                _check_bus_dataset(cls, ds, where, path)
            else:
                _check_file_dataset(ds, where, path)


def check_resume(cfg: Config, config: str) -> None:
    """Check the checkpoint a ``--resume`` run will load.

    With ``load_from`` set, mmengine resumes from it; otherwise from the
    file that ``<work_dir>/last_checkpoint`` names (a fresh start when that
    file does not exist).

    Args:
        cfg (Config): The config with ``resume`` and ``work_dir`` set.
        config (str): The config file, named in messages.

    Raises:
        ConfigError: If the named checkpoint is missing, empty, truncated
            or not a checkpoint.
    """
    if not cfg.get('resume', False):
        return
    source = f'load_from of {config}'
    target = cfg.get('load_from', None)
    if target is None:
        pointer = osp.join(cfg.work_dir, 'last_checkpoint')
        if not osp.isfile(pointer):
            return
        with open(pointer, encoding='utf-8') as f:
            target = f.read().strip()
        source = pointer
        if not target:
            raise ConfigError(
                f'--resume: {pointer} is empty; write the path of the '
                f'checkpoint to resume from into it, or pass --cfg-options '
                f'load_from=<work_dir>/iter_N.pth.'
            )
    try:
        check_checkpoint_file(target)
    except (CheckpointError, FileNotFoundError) as err:
        earlier = _complete_checkpoints(cfg.work_dir, exclude=target)
        fix = (
            f'--cfg-options load_from={earlier[-1]} (the latest complete one)'
            if earlier
            else '--cfg-options load_from=<an earlier checkpoint>'
        )
        raise ConfigError(
            f'--resume: {source} names {target!r}, which cannot be used: '
            f'{err} Resume with --resume {fix}, or start over without '
            f'--resume.'
        ) from err


def _complete_checkpoints(work_dir: str, exclude: str) -> List[str]:
    """``iter_N.pth`` / ``epoch_N.pth`` in ``work_dir`` that pass
    :func:`check_checkpoint_file`, oldest first."""
    found = []
    for path in glob.glob(osp.join(work_dir, '*_*.pth')):
        match = re.fullmatch(r'(?:iter|epoch)_(\d+)\.pth', osp.basename(path))
        if not match or osp.abspath(path) == osp.abspath(exclude):
            continue
        try:
            check_checkpoint_file(path)
        except (CheckpointError, OSError):
            continue
        found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]
