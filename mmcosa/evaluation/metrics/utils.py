"""Helpers shared by the BUS metrics: read fields of packed samples."""

from typing import Any, Mapping

import numpy as np
import torch

__all__ = ['get_field', 'to_numpy']


def get_field(sample: Any, key: str, metric: str) -> Any:
    """Return ``sample[key]`` for a dict or a data element.

    The evaluator hands metrics ``data_sample.to_dict()`` dicts, but the
    same samples may also arrive as ``SegDataSample`` / mmpretrain
    ``DataSample`` objects (e.g. when a metric is called by hand).

    Args:
        sample (dict | BaseDataElement): One packed prediction.
        key (str): Field name, e.g. ``'pred_sem_seg'`` or ``'pred_score'``.
        metric (str): Name of the calling metric, used in the message.

    Returns:
        Any: The field value. ``PixelData`` / ``{'data': ...}`` containers
        are unwrapped to their ``data`` tensor.

    Raises:
        KeyError: If the field is missing, naming the field and the fix.
    """
    if isinstance(sample, Mapping):
        value = sample.get(key, None)
    else:
        value = getattr(sample, key, None)
    if value is None:
        raise KeyError(
            f'{metric} needs the field {key!r} in every data sample, but a '
            f'sample has only {sorted(_keys(sample))}. Check that the model '
            f'predicts it and that the pipeline packs it (PackBUSInputs).'
        )
    if isinstance(value, Mapping) and 'data' in value:
        value = value['data']
    elif hasattr(value, 'data') and not isinstance(
        value, (torch.Tensor, np.ndarray)
    ):
        value = value.data
    return value


def to_numpy(value: Any) -> np.ndarray:
    """Convert a tensor / array / number / list to a numpy array."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _keys(sample: Any) -> list:
    if isinstance(sample, Mapping):
        return list(sample.keys())
    if hasattr(sample, 'keys'):
        return list(sample.keys())
    return []
