"""What a cross-validation run was started with; reruns must match it.

A work dir of ``tools/crossval.py`` holds::

    crossval_run.json    config path, --cfg-options, --folds, SHA-256 of
                         each prepared split used (labels.csv + splits/),
                         the external test sets, start time
    crossval_config.py   the merged config (after --cfg-options)

A rerun in the same work dir (to resume, or to add folds or external sets)
must have the same merged config, number of folds and prepared splits;
otherwise :class:`CrossvalMismatchError` names what differs, so that folds
trained with different settings are never averaged together. ``force``
moves the old work dir aside and starts over.
"""

import hashlib
import json
import logging
import os
import os.path as osp
import time
from typing import Any, Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log

from mmcosa.version import __version__

from .crossval_sets import CrossvalTestSet, bus_data_roots, split_hash

__all__ = [
    'CONFIG_FILE',
    'RECORD_FILE',
    'CrossvalMismatchError',
    'config_differences',
    'move_aside',
    'open_run',
]

RECORD_FILE = 'crossval_run.json'
CONFIG_FILE = 'crossval_config.py'


class CrossvalMismatchError(ValueError):
    """A rerun whose setup differs from the run in its work dir."""


def _plain(value: Any) -> Any:
    """JSON-normalised copy (tuples -> lists, odd objects -> str)."""
    return json.loads(json.dumps(value, default=str))


def _flatten(node: Any, prefix: str = '') -> Dict[str, Any]:
    if isinstance(node, dict) and node:
        items = node.items()
    elif isinstance(node, list) and node:
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return {prefix: node} if prefix else {}
    flat: Dict[str, Any] = {}
    for key, value in items:
        flat.update(_flatten(value, f'{prefix}.{key}' if prefix else key))
    return flat


_UNSET = object()


def _short(value: Any, width: int = 40) -> str:
    text = '(unset)' if value is _UNSET else repr(value)
    return text if len(text) <= width else text[: width - 3] + '...'


def config_differences(old: Config, new: Config, limit: int = 3) -> List[str]:
    """The keys whose values differ between two configs, with the values.

    Args:
        old (Config): The recorded config.
        new (Config): This run's config.
        limit (int): Keys shown; further ones are counted. Defaults to 3.

    Returns:
        list[str]: ``'key: old -> new'`` items (empty when equal).
    """
    a = _flatten(_plain(old.to_dict()))
    b = _flatten(_plain(new.to_dict()))
    keys = [k for k in a if b.get(k, _UNSET) != a[k]]
    keys += [k for k in b if k not in a]
    items = [
        f'{k}: {_short(a.get(k, _UNSET))} -> {_short(b.get(k, _UNSET))}'
        for k in keys[:limit]
    ]
    if len(keys) > limit:
        items.append(f'{len(keys) - limit} more')
    return items


def move_aside(work_dir: str) -> str:
    """Rename ``work_dir`` to ``<work_dir>.old-<time>``; return the name."""
    base = f'{osp.normpath(work_dir)}.old-{time.strftime("%Y%m%d-%H%M%S")}'
    dest, n = base, 1
    while osp.exists(dest):
        dest, n = f'{base}-{n}', n + 1
    os.rename(work_dir, dest)
    return dest


def _has_results(work_dir: str) -> bool:
    if not osp.isdir(work_dir):
        return False
    return any(
        name.startswith('fold_') or name.startswith('summary.')
        for name in os.listdir(work_dir)
    )


def _write_json(path: str, data: Dict[str, Any]) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1, default=str)
    os.replace(tmp, path)


def _new_record(
    config: str,
    cfg: Config,
    text: str,
    cfg_options: Optional[dict],
    num_folds: int,
    externals: Sequence[CrossvalTestSet],
) -> Dict[str, Any]:
    return dict(
        config=config,
        cfg_options=_plain(cfg_options or {}),
        num_folds=num_folds,
        config_sha256=hashlib.sha256(text.encode()).hexdigest(),
        data={root: split_hash(root) for root in bus_data_roots(cfg)},
        external={
            s.name: dict(data_root=s.data_root, sha256=split_hash(s.data_root))
            for s in externals
        },
        created=time.strftime('%Y-%m-%d %H:%M:%S'),
        mmcosa_version=__version__,
    )


def _differences(
    old: Dict[str, Any], new: Dict[str, Any], old_cfg: Config, cfg: Config
) -> List[str]:
    diffs = []
    if old.get('num_folds') != new['num_folds']:
        diffs.append(
            f'--folds {old.get("num_folds")} recorded, {new["num_folds"]} now'
        )
    changed = config_differences(old_cfg, cfg)
    if changed:
        diffs.append('config ' + ', '.join(changed))
        if old.get('cfg_options') != new['cfg_options']:
            diffs.append(
                f'--cfg-options {old.get("cfg_options")} recorded, '
                f'{new["cfg_options"]} now'
            )
    for root, digest in new['data'].items():
        recorded = old.get('data', {}).get(root)
        if recorded is not None and recorded != digest:
            diffs.append(f'prepared split {root} changed (labels.csv/splits)')
    for name, ext in new['external'].items():
        recorded = old.get('external', {}).get(name)
        if recorded is not None and recorded['sha256'] != ext['sha256']:
            diffs.append(
                f'external set {name!r} is {ext["data_root"]}, not the '
                f'recorded {recorded["data_root"]} (labels.csv/splits differ)'
            )
    return diffs


def open_run(
    work_dir: str,
    config: str,
    cfg: Config,
    cfg_options: Optional[dict],
    num_folds: int,
    externals: Sequence[CrossvalTestSet] = (),
    force: bool = False,
) -> Dict[str, Any]:
    """Start the record of a run in ``work_dir``, or check a rerun.

    A new (or empty) work dir gets ``crossval_run.json`` and
    ``crossval_config.py``. An existing record must match: same merged
    config, ``num_folds``, prepared splits, and external sets of the same
    name on the same data. External sets given now and not recorded are
    added; recorded ones are kept (every later fold is tested on them).

    Args:
        work_dir (str): The run's work dir.
        config (str): Config path (recorded).
        cfg (Config): The merged config (after ``cfg_options``).
        cfg_options (dict, optional): The ``--cfg-options`` (recorded).
        num_folds (int): Number of folds.
        externals (Sequence[CrossvalTestSet]): External sets given to this run.
        force (bool): Move an existing run aside (``<work_dir>.old-<time>``)
            and start over. Defaults to False.

    Returns:
        dict: The record in force (``external`` holds every recorded set).

    Raises:
        CrossvalMismatchError: If the work dir holds a run with another
            setup, or results without a record.
    """
    record_path = osp.join(work_dir, RECORD_FILE)
    if force and (_has_results(work_dir) or osp.isfile(record_path)):
        dest = move_aside(work_dir)
        print_log(
            f'[crossval] --force: moved the previous run {work_dir} to '
            f'{dest}; starting over.',
            logger='current',
            level=logging.WARNING,
        )
    text = cfg.pretty_text
    new = _new_record(config, cfg, text, cfg_options, num_folds, externals)
    hint = (
        'rerun with the recorded config, options and data, choose a new '
        '--work-dir, or pass --force to move the old run aside.'
    )
    if not osp.isfile(record_path):
        if _has_results(work_dir):
            raise CrossvalMismatchError(
                f'{work_dir} holds cross-validation results but no '
                f'{RECORD_FILE} (an older run?), so its settings cannot be '
                f'checked: {hint}'
            )
        os.makedirs(work_dir, exist_ok=True)
        with open(osp.join(work_dir, CONFIG_FILE), 'w') as f:
            f.write(text)
        _write_json(record_path, new)
        return new
    with open(record_path, encoding='utf-8') as f:
        old = json.load(f)
    config_copy = osp.join(work_dir, CONFIG_FILE)
    if not osp.isfile(config_copy):
        raise CrossvalMismatchError(
            f'{config_copy} is missing, so the settings of the run in '
            f'{work_dir} cannot be checked: {hint}'
        )
    with open(config_copy, encoding='utf-8') as f:
        old_cfg = Config.fromstring(f.read(), '.py')
    diffs = _differences(old, new, old_cfg, cfg)
    if diffs:
        raise CrossvalMismatchError(
            f'{work_dir} was started with other settings '
            f'({"; ".join(diffs)}): {hint}'
        )
    added = [n for n in new['external'] if n not in old.get('external', {})]
    if added:
        old.setdefault('external', {}).update(
            {n: new['external'][n] for n in added}
        )
        _write_json(record_path, old)
        print_log(
            f'[crossval] external test set(s) {added} added to the run in '
            f'{work_dir}.',
            logger='current',
        )
    return old
