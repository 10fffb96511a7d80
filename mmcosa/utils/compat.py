"""Compatibility layer that makes the pinned OpenMMLab stack usable.

Two gaps of today's stack are closed here, each only where it exists, and
without changing how Python or torch behave for anything else:

1. ``mmcv-lite`` ships no compiled ops (``mmcv._ext``), yet mmseg imports
   ``mmcv.ops`` unguarded in a few modules, so ``import mmseg.models`` fails.
   When, and only when, ``mmcv._ext`` is missing, a minimal ``mmcv.ops``
   package is installed that provides the pure-PyTorch ops mmseg needs at
   import time (``point_sample``, ``sigmoid_focal_loss``). Other names keep
   Python's protocols: attribute access raises ``AttributeError`` (so
   ``hasattr(mmcv.ops, 'nms')`` is False and ``getattr(..., None)`` is
   None), while ``from mmcv.ops import nms`` and ``import mmcv.ops.nms``
   raise ``ModuleNotFoundError`` naming ``mmcv._ext``, which the guarded
   imports of mmseg (``except ModuleNotFoundError``) and mmcv (``except
   ImportError``) expect. The one warning the missing ops cause (mmcv's
   deformable attention) is silenced during that one import only. With a
   full mmcv build nothing is touched.
2. torch >= 2.6 loads checkpoints with ``weights_only=True``, which refuses
   mmengine's own checkpoints (``HistoryBuffer``, numpy values). The
   local-file loader of mmengine's ``CheckpointLoader`` is re-registered to
   load with ``weights_only=True`` and the few types mmengine checkpoints
   hold allowed (:mod:`mmcosa.utils.checkpoint_loader`); anything else is
   refused unless the user trusts the file (``--trust-checkpoint``).

Call graph::

    import mmcosa
      └─ apply_compat()
           ├─ install_mmcv_ops_fallback()   # no-op with full mmcv
           └─ register_checkpoint_loader()  # no-op with torch < 2.6
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os.path as osp
import sys
import types
import warnings
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'apply_compat',
    'install_mmcv_ops_fallback',
    'mmcv_full_available',
    'register_checkpoint_loader',
    'sigmoid_focal_loss',
    'torch_loads_weights_only',
]

#: Attribute set on the fallback module so that it can be recognised.
FALLBACK_FLAG = '__mmcosa_fallback__'


def mmcv_full_available() -> bool:
    """Whether the installed mmcv has its compiled ops (``mmcv._ext``)."""
    if 'mmcv._ext' in sys.modules:
        return True
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except (ImportError, ValueError):
        return False


def sigmoid_focal_loss(
    pred: Tensor,
    target: Tensor,
    gamma: float = 2.0,
    alpha: float = 0.25,
    weight: Optional[Tensor] = None,
    reduction: str = 'mean',
) -> Tensor:
    """Pure-PyTorch replacement of ``mmcv.ops.sigmoid_focal_loss``.

    Args:
        pred (Tensor): Logits of shape (N, C).
        target (Tensor): Class indices of shape (N, ). The index ``C`` is
            treated as background (all-negative), as in mmcv.
        gamma (float): Focusing parameter. Defaults to 2.0.
        alpha (float): Balance of positives. Defaults to 0.25.
        weight (Tensor, optional): Per-class weights of shape (C, ).
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.

    Returns:
        Tensor: The loss, of shape (N, C) with ``reduction='none'``.
    """
    num_classes = pred.size(1)
    one_hot = F.one_hot(target.long(), num_classes + 1)[:, :num_classes]
    one_hot = one_hot.type_as(pred)
    prob = pred.sigmoid()
    pt = (1 - prob) * one_hot + prob * (1 - one_hot)
    focal = (alpha * one_hot + (1 - alpha) * (1 - one_hot)) * pt.pow(gamma)
    loss = (
        F.binary_cross_entropy_with_logits(pred, one_hot, reduction='none')
        * focal
    )
    if weight is not None:
        loss = loss * weight.view(1, -1)
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    if reduction != 'none':
        raise ValueError(
            f'reduction must be none, mean or sum, got {reduction!r}'
        )
    return loss


_MISSING_OP = (
    'mmcv.ops.{name} needs the compiled ops of a full mmcv build; '
    'mmcv-lite is installed. Install mmcv (see the README, "Installation") '
    'if you need it.'
)


class _MissingOpsFinder(importlib.abc.MetaPathFinder):
    """Answers imports of ``mmcv.ops.<name>`` the fallback does not provide.

    ``from mmcv.ops import X`` on a package looks for a submodule ``X`` when
    the attribute is missing; raising here (instead of returning None)
    makes that a ``ModuleNotFoundError`` naming ``mmcv._ext`` rather than a
    plain ``ImportError``, so ``except ModuleNotFoundError`` guards work.
    """

    def find_spec(self, fullname: str, path=None, target=None):
        if not fullname.startswith('mmcv.ops.'):
            return None
        ops = sys.modules.get('mmcv.ops')
        if ops is None or not getattr(ops, FALLBACK_FLAG, False):
            return None
        raise ModuleNotFoundError(
            _MISSING_OP.format(name=fullname[len('mmcv.ops.') :]),
            name='mmcv._ext',
        )


def _missing_op(name: str):
    """Module ``__getattr__`` of the fallback: a missing name is missing."""
    if name.startswith('__'):
        raise AttributeError(name)
    raise AttributeError(
        f"module 'mmcv.ops' has no attribute {name!r}: "
        + _MISSING_OP.format(name=name),
        name=name,
    )


def _build_fallback_ops() -> Tuple[types.ModuleType, types.ModuleType]:
    """Build the minimal ``mmcv.ops`` package used with mmcv-lite."""
    # ``point_sample.py`` of mmcv imports torch only, so it loads without
    # the compiled extension.
    spec = importlib.util.find_spec('mmcv')
    point_sample_path = osp.join(
        osp.dirname(spec.origin), 'ops', 'point_sample.py'
    )
    ps_spec = importlib.util.spec_from_file_location(
        'mmcv.ops.point_sample', point_sample_path
    )
    point_sample_mod = importlib.util.module_from_spec(ps_spec)
    ps_spec.loader.exec_module(point_sample_mod)

    ops = types.ModuleType(
        'mmcv.ops',
        'Minimal pure-PyTorch mmcv.ops installed by mmcosa '
        'because mmcv._ext (compiled ops) is missing.',
    )
    # A package with no folder: submodule imports reach _MissingOpsFinder.
    ops.__spec__ = importlib.machinery.ModuleSpec(
        'mmcv.ops', None, is_package=True
    )
    ops.__path__ = []
    ops.point_sample = point_sample_mod.point_sample
    ops.bilinear_grid_sample = point_sample_mod.bilinear_grid_sample
    ops.sigmoid_focal_loss = sigmoid_focal_loss
    setattr(ops, FALLBACK_FLAG, True)
    ops.__getattr__ = _missing_op
    return ops, point_sample_mod


def _import_mmcv_transformer_quietly() -> None:
    """Import the mmcv module that warns about the missing deformable
    attention op, with that one warning silenced for that one import.

    It warns once, when first imported (by mmseg's models); nothing in
    mmcosa uses the op. No filter is left installed.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            'ignore',
            message='Fail to import ``MultiScaleDeformableAttention``',
            category=UserWarning,
        )
        importlib.import_module('mmcv.cnn.bricks.transformer')


def install_mmcv_ops_fallback() -> bool:
    """Install the minimal ``mmcv.ops`` when ``mmcv._ext`` is missing.

    Returns:
        bool: True if the fallback was installed by this or an earlier call,
        False if a full mmcv is present and nothing was touched.
    """
    current = sys.modules.get('mmcv.ops')
    if current is not None and getattr(current, FALLBACK_FLAG, False):
        return True
    if mmcv_full_available():
        return False
    import mmcv

    ops, point_sample_mod = _build_fallback_ops()
    sys.modules['mmcv.ops'] = ops
    sys.modules['mmcv.ops.point_sample'] = point_sample_mod
    mmcv.ops = ops
    if not any(isinstance(f, _MissingOpsFinder) for f in sys.meta_path):
        sys.meta_path.append(_MissingOpsFinder())
    _import_mmcv_transformer_quietly()
    return True


def torch_loads_weights_only(torch_version: Optional[str] = None) -> bool:
    """Whether ``torch.load`` defaults to ``weights_only=True`` (>= 2.6)."""
    from mmengine.utils import digit_version

    version = torch_version or torch.__version__
    return digit_version(version.split('+')[0]) >= digit_version('2.6.0')


def register_checkpoint_loader(torch_version: Optional[str] = None) -> bool:
    """Load mmengine checkpoints weights-only under torch >= 2.6.

    Re-registers the local-file loader of mmengine's ``CheckpointLoader``
    (the empty prefix) as
    :func:`~mmcosa.utils.checkpoint_loader.load_from_local_weights_only`. Older
    torch versions unpickle everything by default; they are left alone.

    Args:
        torch_version (str, optional): Version to decide on; defaults to the
            installed torch. Exposed for tests.

    Returns:
        bool: Whether the loader was replaced.
    """
    if not torch_loads_weights_only(torch_version):
        return False
    from mmengine.runner import CheckpointLoader

    from .checkpoint_loader import load_from_local_weights_only

    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_weights_only, force=True
    )
    return True


def apply_compat() -> None:
    """Apply every fix of this module (idempotent)."""
    install_mmcv_ops_fallback()
    register_checkpoint_loader()
