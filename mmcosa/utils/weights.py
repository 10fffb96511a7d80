"""Load trained weights into a model, strictly unless asked otherwise.

mmengine loads ``load_from`` with ``strict=False`` and reports a mismatch as
a block of lines at no warning level, so a checkpoint of another model (an
r18 checkpoint for an r101 config) is "loaded" and the run exits 0 with
wrong numbers. Testing, inference and cross-validation load through
:func:`load_weights` instead: every tensor of the model must be in the
checkpoint with its shape, and the checkpoint must hold nothing else;
otherwise one line names the checkpoint, the config and the first keys that
differ. ``allow_partial=True`` (``--allow-partial-load``) loads the tensors
that fit and logs one WARNING line with the counts.

Call graph::

    tools/test.py  -> load_runner_weights(runner, ckpt, config)
    init_model     -> load_weights(model, ckpt, config)
    load_weights
      ├─ CheckpointLoader (mmcosa.utils.checkpoint_loader for local files)
      ├─ state_dict_mismatch(model, state_dict)
      └─ Module.load_state_dict(the tensors that fit)
"""

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

from .checkpoint_loader import CheckpointError

__all__ = [
    'CheckpointMismatchError',
    'StateDictMismatch',
    'load_runner_weights',
    'load_weights',
    'state_dict_mismatch',
]

_NUM_SHOWN = 3


class CheckpointMismatchError(CheckpointError):
    """The checkpoint's tensors do not fit the model of the config."""


@dataclass
class StateDictMismatch:
    """How a checkpoint's state dict differs from a model's.

    Attributes:
        missing (list[str]): Model keys the checkpoint lacks.
        unexpected (list[str]): Checkpoint keys the model lacks.
        shape (list[tuple]): ``(key, checkpoint shape, model shape)`` of
            keys in both with different shapes.
        matched (int): Keys in both with the same shape.
    """

    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    shape: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    matched: int = 0

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.shape)

    def describe(self) -> str:
        """One line: the counts and the first keys of each kind."""
        parts = []
        if self.shape:
            first = '; '.join(
                f'{k} {tuple(a)} in the checkpoint vs {tuple(b)} in the model'
                for k, a, b in self.shape[:_NUM_SHOWN]
            )
            parts.append(f'{len(self.shape)} differ in shape ({first})')
        if self.missing:
            parts.append(
                f'{len(self.missing)} are missing from the checkpoint '
                f'({_first(self.missing)})'
            )
        if self.unexpected:
            parts.append(
                f'{len(self.unexpected)} are not in the model '
                f'({_first(self.unexpected)})'
            )
        return f'{self.matched} tensors match, ' + ', '.join(parts)


def _first(keys: List[str]) -> str:
    more = ', ...' if len(keys) > _NUM_SHOWN else ''
    return ', '.join(keys[:_NUM_SHOWN]) + more


def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The module whose keys a checkpoint holds (DDP / TTA unwrapped)."""
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model


def state_dict_mismatch(
    model: torch.nn.Module, state_dict: dict
) -> StateDictMismatch:
    """Compare ``state_dict`` with the model's own keys and shapes.

    BatchNorm's ``num_batches_tracked`` may be missing, as mmengine allows.

    Args:
        model (nn.Module): The model (wrappers are unwrapped).
        state_dict (dict): Checkpoint tensors, keys without ``module.``.

    Returns:
        StateDictMismatch: Empty (falsy) when every key and shape agrees.
    """
    own = _unwrap(model).state_dict()
    result = StateDictMismatch()
    for key, value in own.items():
        if key not in state_dict:
            if not key.endswith('num_batches_tracked'):
                result.missing.append(key)
            continue
        theirs = state_dict[key]
        their_shape = tuple(getattr(theirs, 'shape', ()))
        if their_shape != tuple(value.shape):
            result.shape.append((key, their_shape, tuple(value.shape)))
        else:
            result.matched += 1
    result.unexpected = [k for k in state_dict if k not in own]
    return result


def _state_dict_of(checkpoint: Any, filename: str) -> OrderedDict:
    state_dict = (
        checkpoint.get('state_dict', checkpoint)
        if isinstance(checkpoint, dict)
        else None
    )
    if not isinstance(state_dict, dict):
        raise CheckpointError(
            f'checkpoint {filename!r} holds no state dict (a '
            f'{type(checkpoint).__name__}); pass the .pth file written by '
            f'tools/train.py.'
        )
    metadata = getattr(state_dict, '_metadata', None)
    state_dict = OrderedDict(
        (re.sub(r'^module\.', '', k), v) for k, v in state_dict.items()
    )
    if metadata is not None:
        state_dict._metadata = metadata
    return state_dict


def load_weights(
    model: torch.nn.Module,
    filename: str,
    config: Optional[str] = None,
    allow_partial: bool = False,
    checkpoint: Optional[dict] = None,
) -> dict:
    """Load a checkpoint's weights, refusing one that does not fit.

    Args:
        model (nn.Module): The model (DDP / TTA wrappers are unwrapped).
        filename (str): Checkpoint path or URL, named in messages.
        config (str, optional): The config file, named in messages.
        allow_partial (bool): Load the tensors that fit and log the rest at
            WARNING instead of raising. Defaults to False.
        checkpoint (dict, optional): The already loaded checkpoint of
            ``filename`` (e.g. after ``after_load_checkpoint`` hooks).

    Returns:
        dict: The checkpoint (``meta`` holds ``dataset_meta``).

    Raises:
        FileNotFoundError: If the file does not exist.
        CheckpointError: If it cannot be read.
        CheckpointMismatchError: If ``allow_partial`` is False and a key or a
            shape differs, or if nothing at all fits.
    """
    if checkpoint is None:
        checkpoint = _load_checkpoint(filename, map_location='cpu')
    state_dict = _state_dict_of(checkpoint, filename)
    mismatch = state_dict_mismatch(model, state_dict)
    of_config = f' of {config}' if config else ''
    if mismatch and (not allow_partial or mismatch.matched == 0):
        fix = (
            'use the checkpoint trained with this config'
            if mismatch.matched == 0
            else 'use the checkpoint trained with this config, or pass '
            '--allow-partial-load to load only the tensors that fit'
        )
        raise CheckpointMismatchError(
            f'checkpoint {filename!r} does not fit the model{of_config}: '
            f'{mismatch.describe()}; {fix}.'
        )
    if mismatch:
        print_log(
            f'partial load of {filename!r} into the model{of_config} '
            f'(--allow-partial-load): {mismatch.describe()}; the tensors '
            f'that do not fit keep their initial values.',
            logger='current',
            level=logging.WARNING,
        )
        bad = {k for k, _, _ in mismatch.shape} | set(mismatch.unexpected)
        fitting = OrderedDict(
            (k, v) for k, v in state_dict.items() if k not in bad
        )
        fitting._metadata = getattr(state_dict, '_metadata', None)
        state_dict = fitting
    # Checked above; only BatchNorm counters may still be missing.
    _unwrap(model).load_state_dict(state_dict, strict=False)
    print_log(f'Loaded checkpoint {filename}', logger='current')
    return checkpoint


def load_runner_weights(
    runner,
    filename: str,
    config: Optional[str] = None,
    allow_partial: bool = False,
) -> dict:
    """:func:`load_weights` for a built Runner, as ``load_from`` would.

    Calls the hooks' ``after_load_checkpoint`` (EMA and the like) before
    the weights go into ``runner.model``. Build the runner with
    ``load_from=None`` and call this before ``runner.test()``.

    Args:
        runner (Runner): The runner.
        filename (str): Checkpoint path.
        config (str, optional): The config file, named in messages.
        allow_partial (bool): See :func:`load_weights`.

    Returns:
        dict: The checkpoint.
    """
    checkpoint = _load_checkpoint(filename, map_location='cpu')
    runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    return load_weights(
        runner.model, filename, config, allow_partial, checkpoint=checkpoint
    )
