"""Checks run before a Runner is built, so that errors come as one line.

mmengine's Runner prints the whole merged config (hundreds of lines) when
it is built, and data problems surface after it as a long stack trace. The
tools check here first, cheaply (no image is decoded, no model is built):

- the config file exists, parses, and has the sections the job needs;
- the model and dataset types are registered and the data folders look
  prepared (:func:`mmcosa.datasets.preflight.check_data`, which needs the
  data set classes and so lives in the datasets layer);
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
    'check_resume',
    'check_sections',
    'load_config',
]


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
