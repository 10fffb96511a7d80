"""Write a prepared folder aside, then move it into place in one rename.

A conversion that fails (bad input, a full disk, Ctrl-C) leaves nothing at
OUT, and a finished OUT is only replaced on request, after its successor
is complete.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import ConversionError

__all__ = ['check_output_dir', 'staging_dir']

_MARKER = 'meta.json'


def check_output_dir(out: Path, overwrite: bool = False) -> None:
    """Refuse an output folder that already holds something.

    With ``overwrite`` a folder holding a previous conversion (it has a
    ``meta.json``) may be replaced; any other non-empty folder is refused
    even then, so a mistyped OUT never deletes unrelated files.

    Args:
        out (Path): The output folder.
        overwrite (bool): Whether a previous conversion may be replaced.

    Raises:
        ConversionError: If ``out`` is a file or a non-empty folder that
            may not be replaced.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConversionError(
            f'{out}: exists and is a file, not a folder; choose a new or '
            f'empty folder for OUT.'
        )
    if not out.is_dir():
        return
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return
    finished = (out / _MARKER).is_file()
    if finished and overwrite:
        return
    if finished:
        raise ConversionError(
            f'{out}: already holds a prepared data set ({_MARKER} present). '
            f'Use it as it is, pass --overwrite to rebuild it (the old '
            f'folder is removed only once the new one is complete), or '
            f'choose another folder.'
        )
    shown = ', '.join(entries[:5]) + (', ...' if len(entries) > 5 else '')
    raise ConversionError(
        f'{out}: already holds {len(entries)} entries ({shown}) and is not '
        f'a prepared data set (no {_MARKER}); refusing to write into or '
        f'replace it, even with --overwrite. Choose a new or empty folder.'
    )


@contextmanager
def staging_dir(out: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; rename it to ``out`` at exit.

    On an exception the temporary folder is deleted and ``out`` is left as
    it was. On success ``out`` (if it held a previous conversion and
    ``overwrite`` is set) is moved aside, the new folder renamed into
    place, and the old one deleted.

    Args:
        out (Path): The final output folder.
        overwrite (bool): Whether a previous conversion may be replaced.

    Yields:
        Path: The temporary folder to write into.
    """
    out = Path(out).absolute()
    check_output_dir(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(
        tempfile.mkdtemp(prefix=f'.{out.name}.partial-', dir=out.parent)
    )
    try:
        yield tmp
        tmp.chmod(0o755)
        _move_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _move_into_place(tmp: Path, out: Path) -> None:
    if not out.is_dir():
        os.replace(tmp, out)
        return
    if not any(out.iterdir()):
        out.rmdir()
        os.replace(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f'.{out.name}.old-', dir=out.parent))
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
