"""Compatibility layer that makes the pinned OpenMMLab stack usable.

Two gaps of today's stack are closed here, each only where it exists:

1. ``mmcv-lite`` ships no compiled ops (``mmcv._ext``), yet mmseg imports
   ``mmcv.ops`` unguarded in a few modules, so ``import mmseg.models`` fails.
   When, and only when, ``mmcv._ext`` is missing, a minimal ``mmcv.ops``
   module is installed that provides the pure-PyTorch ops mmseg needs at
   import time (``point_sample``, ``sigmoid_focal_loss``) and raises
   ``ModuleNotFoundError`` for every other name, so the guarded imports of
   mmseg and mmengine keep taking their fallback paths. With a full mmcv
   build nothing is touched.
2. torch >= 2.6 loads checkpoints with ``weights_only=True``, but mmengine
   checkpoints hold ``HistoryBuffer`` and numpy objects. The local-file
   loader of mmengine's ``CheckpointLoader`` is re-registered to load local
   files with ``weights_only=False``. Checkpoints are therefore treated as
   trusted files, as they were before torch 2.6.

Call graph::

    import mmcosa
      └─ apply_compat()
           ├─ install_mmcv_ops_fallback()   # no-op with full mmcv
           └─ patch_checkpoint_loader()     # no-op with torch < 2.6
"""

import importlib.machinery
import importlib.util
import os.path as osp
import sys
import types
import warnings
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'apply_compat',
    'install_mmcv_ops_fallback',
    'mmcv_full_available',
    'needs_trusted_checkpoint_loader',
    'patch_checkpoint_loader',
    'sigmoid_focal_loss',
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


def _build_fallback_ops() -> types.ModuleType:
    """Build the minimal ``mmcv.ops`` module used with mmcv-lite."""
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
    ops.__spec__ = importlib.machinery.ModuleSpec('mmcv.ops', None)
    ops.point_sample = point_sample_mod.point_sample
    ops.bilinear_grid_sample = point_sample_mod.bilinear_grid_sample
    ops.sigmoid_focal_loss = sigmoid_focal_loss
    setattr(ops, FALLBACK_FLAG, True)

    def __getattr__(name: str):  # noqa: N807
        if name.startswith('__'):
            raise AttributeError(name)
        raise ModuleNotFoundError(
            f'mmcv.ops.{name} needs the compiled ops of a full mmcv build; '
            'mmcv-lite is installed. Install mmcv (see the README, '
            '"Installation") if you need it.',
            name='mmcv._ext',
        )

    ops.__getattr__ = __getattr__
    return ops, point_sample_mod


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

    # mmcv's transformer bricks warn on every import that the deformable
    # attention op is missing; nothing in mmcosa uses it.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``'
    )
    ops, point_sample_mod = _build_fallback_ops()
    sys.modules['mmcv.ops'] = ops
    sys.modules['mmcv.ops.point_sample'] = point_sample_mod
    mmcv.ops = ops
    return True


def needs_trusted_checkpoint_loader(
    torch_version: Optional[str] = None,
) -> bool:
    """Whether ``torch.load`` defaults to ``weights_only=True`` (>= 2.6)."""
    from mmengine.utils import digit_version

    version = torch_version or torch.__version__
    return digit_version(version.split('+')[0]) >= digit_version('2.6.0')


def load_from_local_trusted(filename: str, map_location=None):
    """mmengine's local-file loader, reading checkpoints as trusted files.

    Args:
        filename (str): Local checkpoint path.
        map_location (str, optional): Same as :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def patch_checkpoint_loader(torch_version: Optional[str] = None) -> bool:
    """Make mmengine's local checkpoint loader work under torch >= 2.6.

    Args:
        torch_version (str, optional): Version to decide on; defaults to the
            installed torch. Exposed for tests.

    Returns:
        bool: Whether the loader was replaced.
    """
    if not needs_trusted_checkpoint_loader(torch_version):
        return False
    from mmengine.runner import CheckpointLoader

    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_trusted, force=True
    )
    return True


def apply_compat() -> None:
    """Apply every fix of this module (idempotent)."""
    install_mmcv_ops_fallback()
    patch_checkpoint_loader()
