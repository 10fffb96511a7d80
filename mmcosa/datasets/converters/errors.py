"""The error raised when a raw data set cannot be converted."""

import errno
import os
from pathlib import Path
from typing import Optional, Sequence

__all__ = ['ConversionError', 'describe_os_error']


class ConversionError(ValueError):
    """A raw data set (or the output folder) is not usable as it is.

    The message names every offending file and says what to do, one
    problem per line, so a user sees all problems of a download at once
    instead of fixing them one run at a time. A single problem is one
    line, the hint included.

    Args:
        problems (Sequence[str]): One message per problem, each naming the
            file and the fix.
        hint (str): A closing line (for example how to skip bad files).
    """

    def __init__(self, problems: Sequence[str], hint: str = '') -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        self.hint = hint
        if len(self.problems) == 1:
            text = ' '.join(t for t in (self.problems[0], hint) if t)
            super().__init__(text)
            return
        lines = [f'{len(self.problems)} problem(s):']
        lines += [f'  - {p}' for p in self.problems]
        if hint:
            lines.append(hint)
        super().__init__('\n'.join(lines))


def _shown_path(err: OSError, out: Optional[Path]) -> Optional[Path]:
    """The path to name: the file of ``err``, with a hidden staging folder
    beside ``out`` replaced by OUT itself (the user never named it)."""
    if not err.filename:
        return None
    path = Path(os.fsdecode(err.filename))
    if out is not None:
        out = Path(out).absolute()
        try:
            rel = path.absolute().relative_to(out.parent)
        except ValueError:
            return path
        if rel.parts and rel.parts[0].startswith(f'.{out.name}.'):
            return out
    return path


def describe_os_error(err: OSError, out: Optional[Path] = None) -> str:
    """One line naming the path an :class:`OSError` is about and the fix.

    Args:
        err (OSError): The error (``PermissionError``, a full disk, ...).
        out (Path, optional): The output folder being written; named when
            the error carries no path, and in place of the hidden staging
            folder beside it.

    Returns:
        str: ``'<path>: <what happened>; <what to do>.'``.
    """
    path = _shown_path(err, out)
    where = path if path is not None else out
    prefix = f'{where}: ' if where is not None else ''
    code = err.errno
    reason = err.strerror or str(err)
    target = Path(out).absolute().parent if out is not None else where
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (
            f'{prefix}{reason} (the disk holding {target} is full or over '
            f'quota); free space there or choose an OUT on another disk.'
        )
    if code == errno.EROFS:
        return (
            f'{prefix}{reason} (read-only file system); choose an OUT on a '
            f'writable disk.'
        )
    if code in (errno.EACCES, errno.EPERM):
        return (
            f'{prefix}{reason}; you may not read or write there. Choose an '
            f'OUT in a folder you can write to (or fix its permissions) '
            f'and make sure you can read the raw files.'
        )
    name = errno.errorcode.get(code, 'OSError') if code else 'OSError'
    return (
        f'{prefix}{reason} ({name}); check that the path exists and is '
        f'reachable, then re-run.'
    )
