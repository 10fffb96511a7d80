"""Data checks run before a Runner is built (see
:mod:`mmcosa.utils.preflight` for the config and checkpoint checks).

Cheap: no image is decoded and no model is built.

- the model and dataset types are registered (a typo, a missing import);
- every data folder named by the dataloaders the job builds exists and
  looks prepared: for :class:`~mmcosa.datasets.BUSDataset` its
  ``meta.json`` source, folds, ``labels.csv``, split file and the listed
  images and masks; for other file-based data sets ``data_root`` and the
  ``data_prefix`` folders.

Each problem raises :class:`~mmcosa.utils.preflight.ConfigError` naming
the config, the setting and the fix.
"""

import os.path as osp
from typing import Iterable, List, Optional

from mmengine.config import Config

from mmcosa.utils.preflight import ConfigError

from .bus_dataset import BUSDataset

__all__ = ['check_data', 'dataset_cfgs']

_PREPARE_HINT = (
    'prepare it with tools/dataset_converters/busi.py RAW OUT (or udiat.py) '
    'and set data_root, see the README, section "Data"'
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
