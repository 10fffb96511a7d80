"""Read checkpoint files safely, with one-line errors.

mmengine's loader for local files is replaced by
:func:`load_from_local_weights_only` (see :mod:`mmcosa.utils.compat`;
mmengine logs it as the ``local_weights_only`` backend). It unpickles with
``weights_only=True`` and allows, besides what torch allows already
(tensors, containers, ``OrderedDict``, ``Counter``), exactly the types an
mmengine checkpoint holds, found by saving a Runner checkpoint and listing
its globals:

================================== =========================================
type                               where
================================== =========================================
``HistoryBuffer``                  message hub: ``log_scalars``
``getattr(HistoryBuffer, name)``   its ``statistics_methods`` (public
                                   methods only)
``numpy.ndarray``, ``numpy.dtype`` HistoryBuffer data, numpy meta values
and numeric dtype classes          (``numpy.dtypes.Float64DType``, ...)
``numpy._core.multiarray``         ``_reconstruct`` (arrays) and ``scalar``
                                   (numpy scalars such as the seed);
                                   ``numpy.core`` names of numpy 1 files too
================================== =========================================

Anything else (a class whose unpickling could run code) is refused with one
line naming the type, unless the user opts in for files they trust
(``--trust-checkpoint`` or ``MMCOSA_TRUST_CHECKPOINTS=1``). Files that are
not checkpoints (empty, truncated by a killed run, an image) are named with
what they are before torch reads them.
"""

import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, Callable, List, Optional, Tuple, Union

import torch

__all__ = [
    'TRUST_ENV',
    'CheckpointError',
    'check_checkpoint_file',
    'checkpoints_trusted',
    'load_from_local_weights_only',
    'mmengine_safe_globals',
    'trust_checkpoints',
]

#: Environment variable that lets every checkpoint be fully unpickled.
TRUST_ENV = 'MMCOSA_TRUST_CHECKPOINTS'

_TRUST_HINT = (
    f'if you made this file or trust its source, rerun with '
    f'--trust-checkpoint (or set {TRUST_ENV}=1)'
)
_PICK_ANOTHER = (
    'pass the .pth file written by tools/train.py '
    '(work_dirs/<config>/iter_N.pth or epoch_N.pth)'
)
#: Leading bytes of files that users mistake for checkpoints.
_MAGIC = (
    (b'\x89PNG', 'a PNG image'),
    (b'\xff\xd8\xff', 'a JPEG image'),
    (b'GIF8', 'a GIF image'),
    (b'BM', 'a BMP image'),
    (b'%PDF', 'a PDF document'),
    (b'\x1f\x8b', 'a gzip archive'),
)
_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_PROTO = 0x80  # legacy (non-zip) torch.save files start with it
#: numpy dtypes whose classes a checkpoint may need (no object / void).
_NUMERIC_DTYPES = '?bhilqBHILQefdgFDG'
#: torch's messages for a damaged file (other RuntimeErrors pass through).
_CORRUPT = re.compile(r'PytorchStreamReader|archive|corrupt|EOF', re.I)


class CheckpointError(ValueError):
    """A checkpoint file cannot be used; the message names it and the fix."""


def checkpoints_trusted() -> bool:
    """Whether the user opted in to fully unpickling checkpoints."""
    return os.environ.get(TRUST_ENV, '').strip().lower() in ('1', 'true')


def trust_checkpoints() -> None:
    """Opt in for this process and its children (``--trust-checkpoint``)."""
    os.environ[TRUST_ENV] = '1'


def _history_buffer_attr(obj: Any, name: str) -> Callable:
    """``builtins.getattr`` as a HistoryBuffer checkpoint needs it.

    ``HistoryBuffer.__getstate__`` stores its statistics methods, which
    pickle as ``getattr(HistoryBuffer, 'mean')``; a general ``getattr``
    would reach far more, so only public methods of that class are given.
    """
    from mmengine.logging import HistoryBuffer

    value = getattr(obj, name, None) if obj is HistoryBuffer else None
    if name.startswith('_') or not callable(value):
        raise pickle.UnpicklingError(
            f'Unsupported global: GLOBAL builtins.getattr({obj!r}, '
            f'{name!r}) is not allowed'
        )
    return value


def mmengine_safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The types allowed in a weights-only load of an mmengine checkpoint.

    Returns:
        list: Entries for :class:`torch.serialization.safe_globals`.
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer

    multiarray = (
        np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    )
    entries: list = [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        (_history_buffer_attr, 'builtins.getattr'),
    ]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        entries.append((multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((multiarray.scalar, f'{module}.scalar'))
    # A dtype is rebuilt by setting the state of an instance of its class
    # (numpy.dtypes.Float64DType, ...): the plain numeric ones.
    entries += [type(np.dtype(code)) for code in _NUMERIC_DTYPES]
    return entries


def _describe_bytes(head: bytes) -> Optional[str]:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head.lstrip().startswith((b'{', b'[', b'<', b'#')):
        return 'a text file'
    return None


def check_checkpoint_file(filename: str) -> None:
    """Check that ``filename`` looks like a complete torch checkpoint.

    Only the first bytes and the zip index are read, so this is cheap
    enough to run before a Runner is built.

    Args:
        filename (str): Local path.

    Raises:
        FileNotFoundError: If it does not exist.
        CheckpointError: If it is a folder, empty, another kind of file, or
            a zip checkpoint cut short (no index at its end).
    """
    if not osp.exists(filename):
        raise FileNotFoundError(
            f'checkpoint {filename!r} does not exist; {_PICK_ANOTHER}.'
        )
    if osp.isdir(filename):
        raise CheckpointError(
            f'checkpoint {filename!r} is a folder; {_PICK_ANOTHER}.'
        )
    size = osp.getsize(filename)
    if size == 0:
        raise CheckpointError(
            f'checkpoint {filename!r} is empty (0 bytes), probably written '
            f'by a run that was stopped while saving; delete it and use an '
            f'earlier checkpoint.'
        )
    try:
        with open(filename, 'rb') as f:
            head = f.read(16)
    except OSError as err:
        raise CheckpointError(
            f'cannot read checkpoint {filename!r}: {err.strerror or err}.'
        ) from err
    if head.startswith(_ZIP_MAGIC):
        if not zipfile.is_zipfile(filename):
            raise CheckpointError(
                f'checkpoint {filename!r} is truncated ({size} bytes, the '
                f'index at the end of the file is missing), probably written '
                f'by a run killed while saving; delete it and use an earlier '
                f'checkpoint.'
            )
        return
    if head[0] == _PICKLE_PROTO:
        return  # legacy torch.save format: torch reports damage itself
    what = _describe_bytes(head) or f'not a checkpoint (starts {head[:8]!r})'
    raise CheckpointError(
        f'{filename!r} is {what}, not a PyTorch checkpoint; {_PICK_ANOTHER}.'
    )


def _allowed_names() -> set:
    return {
        entry[1]
        if isinstance(entry, tuple)
        else f'{entry.__module__}.{entry.__qualname__}'
        for entry in mmengine_safe_globals()
    }


def _refused_types(filename: str, err: Exception) -> str:
    """The globals of ``filename`` that a weights-only load refuses."""
    try:
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        names = [n for n in unsafe if n not in _allowed_names()]
    except Exception:  # legacy format: fall back on torch's message
        names = []
    if not names:
        names = re.findall(r"GLOBAL ([\w.]+)|got <class '([\w.]+)'>", str(err))
        names = [a or b for a, b in names]
    if not names:
        reason = str(err).split('WeightsUnpickler error:')[-1]
        return f'an object torch refuses ({" ".join(reason.split())[:200]})'
    shown = ', '.join(names[:3]) + (', ...' if len(names) > 3 else '')
    return f'pickled objects of type {shown}'


def load_from_local_weights_only(
    filename: str, map_location: Optional[Union[str, Callable]] = None
) -> Any:
    """mmengine's local-file loader, loading with ``weights_only=True``.

    Registered for the empty prefix of mmengine's ``CheckpointLoader``, so
    ``load_from``, ``--resume``, ``Pretrained`` init and ``init_model`` all
    read local files through it.

    Args:
        filename (str): Local checkpoint path (``~`` is expanded).
        map_location (str | callable, optional): As :func:`torch.load`.

    Returns:
        Any: The loaded object (a dict for mmengine checkpoints).

    Raises:
        FileNotFoundError: If the file does not exist.
        CheckpointError: If the file is not a usable checkpoint, or holds a
            type outside the allow-list (unless checkpoints are trusted).
    """
    filename = osp.expanduser(filename)
    check_checkpoint_file(filename)
    trusted = checkpoints_trusted()
    try:
        if trusted:
            return torch.load(
                filename, map_location=map_location, weights_only=False
            )
        with torch.serialization.safe_globals(mmengine_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True
            )
    except pickle.UnpicklingError as err:
        if trusted or 'Weights only load failed' not in str(err):
            raise CheckpointError(
                f'checkpoint {filename!r} is corrupt ({_first_line(err)}); '
                f'delete it and use another checkpoint.'
            ) from err
        raise CheckpointError(
            f'refusing to load checkpoint {filename!r}: it holds '
            f'{_refused_types(filename, err)}, outside the types mmengine '
            f'checkpoints hold (tensors, numpy arrays and scalars, '
            f'HistoryBuffer), and unpickling it could run code; '
            f'{_TRUST_HINT}.'
        ) from err
    except (RuntimeError, EOFError) as err:
        if isinstance(err, RuntimeError) and not _CORRUPT.search(str(err)):
            raise
        raise CheckpointError(
            f'checkpoint {filename!r} is corrupt or truncated '
            f'({_first_line(err)}); delete it and use another checkpoint.'
        ) from err


def _first_line(err: Exception) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__
