"""The test sets of a cross-validation run and its prepared data folders.

A fold's model is tested on one or more *test sets*:

- ``internal``: the config's ``test_dataloader`` with ``fold=k`` (the
  usual case, results in ``fold_<k>/test_metrics.json``);
- named internal sets: a config may instead hold
  ``test_dataloaders = dict(busi=..., udiat=...)``, each tested with
  ``fold=k`` and reported on its own (RMTL trains on BUSI + UDIAT and
  tests on each, ``configs/mtl_cosa_r101_busi_udiat.py``);
- external sets: every image of another prepared folder (``split='all'``),
  the config's test dataloader with its ``data_root`` swapped.

Named sets write ``fold_<k>/test_metrics_<name>.json``.
"""

import copy
import glob
import hashlib
import json
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from mmengine.config import Config

from mmcosa.evaluation.crossval.summary import DEFAULT_SET

__all__ = [
    'CrossvalTestSet',
    'bus_data_roots',
    'check_num_folds',
    'dataset_tag',
    'external_test_set',
    'internal_test_sets',
    'prepared_num_folds',
    'set_fold',
    'split_hash',
]

#: Dataset types whose ``fold`` the runner sets.
FOLD_DATASETS = ('BUSDataset', 'BUSPhantomDataset')
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _kind(node: dict) -> str:
    return str(node.get('type', '')).split('.')[-1]


def set_fold(node: Any, fold: int, num_folds: int) -> int:
    """Set ``fold`` on every dataset dict below ``node``; count them.

    ``BUSDataset`` also gets ``num_folds`` (it checks it against the
    folder's ``meta.json``); other datasets only where they name it.
    ``dataset`` / ``datasets`` wrappers are unwrapped.
    """
    count = 0
    if isinstance(node, dict):
        kind = _kind(node)
        if 'fold' in node or kind in FOLD_DATASETS:
            node['fold'] = fold
            if 'num_folds' in node or kind == 'BUSDataset':
                node['num_folds'] = num_folds
            count += 1
        for key in ('dataset', 'datasets'):
            if key in node:
                count += set_fold(node[key], fold, num_folds)
    elif isinstance(node, (list, tuple)):
        for item in node:
            count += set_fold(item, fold, num_folds)
    return count


def _bus_nodes(node: Any) -> List[dict]:
    """The ``BUSDataset`` dicts below ``node`` (through wrappers)."""
    found = []
    if isinstance(node, dict):
        if _kind(node) == 'BUSDataset':
            found.append(node)
        for key in ('dataset', 'datasets'):
            if key in node:
                found += _bus_nodes(node[key])
    elif isinstance(node, (list, tuple)):
        for item in node:
            found += _bus_nodes(item)
    return found


def bus_data_roots(cfg: Config) -> List[str]:
    """``data_root`` of every ``BUSDataset`` the config trains or tests on.

    Looks through the train / val / test dataloaders and the named
    ``test_dataloaders``; each root once, in order of appearance.
    """
    loaders = [cfg.get(key) for key in _LOADERS]
    loaders += list((cfg.get('test_dataloaders') or {}).values())
    roots: List[str] = []
    for loader in loaders:
        if not loader:
            continue
        for node in _bus_nodes(loader.get('dataset')):
            root = str(node.get('data_root', ''))
            if root and root not in roots:
                roots.append(root)
    return roots


def _read_meta(data_root: str) -> Dict[str, Any]:
    path = osp.join(data_root, 'meta.json')
    if not osp.isfile(path):
        return {}
    with open(path, encoding='utf-8') as f:
        try:
            meta = json.load(f)
        except ValueError as e:
            raise ValueError(
                f'{path}: not valid JSON ({e}); re-run the converter with '
                '--overwrite.'
            ) from e
    return meta if isinstance(meta, dict) else {}


def _require_prepared(data_root: str, what: str) -> None:
    if not osp.isfile(osp.join(data_root, 'labels.csv')):
        raise FileNotFoundError(
            f'{what} {data_root!r} is not a prepared folder (no '
            'labels.csv); create it with tools/dataset_converters/busi.py '
            '(or udiat.py) RAW OUT.'
        )


def prepared_num_folds(data_root: str) -> Optional[int]:
    """Folds of a prepared folder: ``meta.json`` ``num_folds``, else the
    number of ``splits/fold_<k>_test.txt`` files (None when there are
    none)."""
    value = _read_meta(data_root).get('num_folds')
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    tests = glob.glob(osp.join(data_root, 'splits', 'fold_*_test.txt'))
    return len(tests) or None


def check_num_folds(cfg: Config, num_folds: int) -> Dict[str, int]:
    """Check ``num_folds`` against every prepared folder the config uses.

    Args:
        cfg (Config): The config (after ``--cfg-options``).
        num_folds (int): The number of folds asked for.

    Returns:
        dict: Data root -> its number of folds.

    Raises:
        FileNotFoundError: If a data root is not a prepared folder.
        ValueError: If a folder was prepared with another number of folds.
    """
    counts = {}
    for root in bus_data_roots(cfg):
        _require_prepared(root, 'data_root')
        prepared = prepared_num_folds(root)
        if prepared is not None and prepared != num_folds:
            raise ValueError(
                f'--folds {num_folds} but {root} was prepared with '
                f'{prepared} folds (meta.json num_folds): pass --folds '
                f'{prepared}, or re-run its converter with --folds '
                f'{num_folds} --overwrite.'
            )
        counts[root] = prepared
    return counts


def split_hash(data_root: str) -> str:
    """SHA-256 of a prepared folder's ``labels.csv`` and ``splits/`` files.

    Changes when an image, a label or a fold assignment changes (the
    converter re-run with another seed, ``--folds`` or data).

    Raises:
        FileNotFoundError: If ``data_root`` is not a prepared folder.
    """
    _require_prepared(data_root, 'data_root')
    digest = hashlib.sha256()
    files = ['labels.csv'] + sorted(
        osp.join('splits', osp.basename(p))
        for p in glob.glob(osp.join(data_root, 'splits', '*.txt'))
    )
    for rel in files:
        digest.update(rel.encode() + b'\0')
        with open(osp.join(data_root, rel), 'rb') as f:
            digest.update(f.read())
        digest.update(b'\0')
    return digest.hexdigest()


def dataset_tag(data_root: Optional[str]) -> Optional[str]:
    """``'busi'`` / ``'udiat'`` from a prepared folder's ``meta.json``
    ``source`` (None when unknown, e.g. the phantom)."""
    from mmcosa.evaluation.published_results import canonical_dataset

    if not data_root:
        return None
    source = _read_meta(data_root).get('source')
    try:
        return canonical_dataset(source) if source else None
    except ValueError:
        return None


@dataclass
class CrossvalTestSet:
    """One test set of a cross-validation run.

    Args:
        name (str): Name in the result files and tables.
        kind (str): ``'internal'`` (the test fold) or ``'external'``
            (every image of another prepared folder).
        loader (dict): Its dataloader config (``fold`` unset).
        data_root (str, optional): Its prepared folder (None: phantom).
        dataset (str, optional): ``'busi'`` / ``'udiat'`` when known.
    """

    name: str
    kind: str
    loader: dict = field(repr=False)
    data_root: Optional[str] = None
    dataset: Optional[str] = None

    @property
    def result_file(self) -> str:
        """File name of its results in a fold dir."""
        if self.name == DEFAULT_SET:
            return 'test_metrics.json'
        return f'test_metrics_{self.name}.json'

    def fold_loader(self, fold: int, num_folds: int) -> dict:
        """A copy of the loader config for fold ``fold``."""
        loader = copy.deepcopy(self.loader)
        if self.kind == 'internal':
            set_fold(loader.get('dataset'), fold, num_folds)
        return loader

    def info(self) -> Dict[str, Any]:
        """JSON-able description (summary, record)."""
        return dict(
            kind=self.kind, data_root=self.data_root, dataset=self.dataset
        )


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f'{what} {name!r} is not a valid test set name: use letters, '
            "digits, '_', '-' or '.' (it names result files)."
        )
    return name


def _root_of(loader: dict) -> Optional[str]:
    nodes = _bus_nodes(loader.get('dataset'))
    return str(nodes[0]['data_root']) if len(nodes) == 1 else None


def internal_test_sets(cfg: Config) -> List[CrossvalTestSet]:
    """The internal test sets of a config.

    ``test_dataloaders`` (a dict of named dataloader configs) when the
    config has it, else ``test_dataloader`` as the set ``'internal'``.

    Raises:
        ValueError: If ``test_dataloaders`` is empty, not a dict of
            dataloader dicts, or uses an invalid name; or if there is no
            test dataloader at all.
    """
    named = cfg.get('test_dataloaders', None)
    if named is None:
        loader = cfg.get('test_dataloader', None)
        if not loader:
            raise ValueError(
                'the config has no test_dataloader: cross-validation needs '
                'one (or a test_dataloaders dict of named ones).'
            )
        loaders = {DEFAULT_SET: loader}
    else:
        if not isinstance(named, dict) or not named:
            raise ValueError(
                'test_dataloaders must be a non-empty dict of name -> '
                f'dataloader config, got {named!r}.'
            )
        loaders = {}
        for name, loader in named.items():
            _check_name(name, 'test_dataloaders key')
            if name == DEFAULT_SET or not isinstance(loader, dict):
                raise ValueError(
                    f'test_dataloaders[{name!r}] must be a dataloader dict '
                    f'under a name other than {DEFAULT_SET!r}.'
                )
            loaders[name] = loader
    sets = []
    for name, loader in loaders.items():
        root = _root_of(loader)
        # A plain dict copy: the set must not change with the config.
        plain = loader.to_dict() if hasattr(loader, 'to_dict') else loader
        sets.append(
            CrossvalTestSet(
                name=name,
                kind='internal',
                loader=copy.deepcopy(plain),
                data_root=root,
                dataset=dataset_tag(root),
            )
        )
    return sets


def external_test_set(
    template: CrossvalTestSet, data_root: str, name: Optional[str] = None
) -> CrossvalTestSet:
    """Every image of another prepared folder, as a test set.

    The loader is ``template``'s with its one ``BUSDataset`` pointed at
    ``data_root`` with ``split='all'`` (``fold`` and ``num_folds``
    dropped): the pipeline, batch size and evaluators stay those of the
    config.

    Args:
        template (CrossvalTestSet): The config's (first) internal test set.
        data_root (str): A prepared folder (``images/``, ``masks/``,
            ``labels.csv``, ``splits/``, ``meta.json``).
        name (str, optional): Set name. Defaults to the folder's name.

    Returns:
        CrossvalTestSet: The external set.

    Raises:
        FileNotFoundError: If ``data_root`` is not a prepared folder.
        ValueError: If the template's dataset is not exactly one
            ``BUSDataset`` (the phantom, or a concatenation), or for an
            invalid name.
    """
    _require_prepared(data_root, '--external')
    if name is None:
        name = osp.basename(osp.normpath(data_root))
    _check_name(name, '--external-name')
    if name == DEFAULT_SET:
        raise ValueError(
            f'--external-name {name!r} is reserved for the test fold; '
            'choose another name.'
        )
    loader = copy.deepcopy(template.loader)
    nodes = _bus_nodes(loader.get('dataset'))
    if len(nodes) != 1:
        raise ValueError(
            f'--external needs a config whose test set {template.name!r} '
            f'reads one BUSDataset, found {len(nodes)}: the external '
            'folder replaces its data_root.'
        )
    node = nodes[0]
    node['data_root'] = data_root
    node['split'] = 'all'
    node.pop('fold', None)
    node.pop('num_folds', None)
    return CrossvalTestSet(
        name=name,
        kind='external',
        loader=loader,
        data_root=data_root,
        dataset=dataset_tag(data_root),
    )
