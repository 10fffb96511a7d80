"""Write a prepared folder aside, then move it into place in one rename.

A conversion that fails (bad input, a full disk, Ctrl-C) leaves nothing at
OUT, and a finished OUT is only replaced on request, after its successor
is complete. Folders beside OUT, named after it::

    .OUT.partial-PID.START.XXXXXXXX.HOST   the new folder being written
    .OUT.old-PID.START.XXXXXXXX.HOST       the previous OUT while swapped

The writer's process id, its start time (Linux: clock ticks after boot, 0
where unknown) and host are part of each name, so a later run tells a
folder left by a killed process (removed, or for ``.old`` restored to OUT)
from one still in use (a running conversion into OUT refuses the new one).

Call graph::

    check_out_outside_raw(out, raw)      OUT inside RAW (or RAW in OUT)?
    check_output_dir(out, overwrite)     clear leftovers, refuse a used OUT
    staging_dir(out, overwrite)          yields .OUT.partial-...
      on exit, holding a lock on OUT's parent:
        OUT as it was at the start?      else refuse, OUT left as it is
        rename .partial -> OUT           (OUT -> .old first with overwrite)
"""

import os
import re
import shutil
import socket
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Tuple

from mmengine.logging import print_log

from .errors import ConversionError, describe_os_error

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = [
    'STALE_AGE_S',
    'check_out_outside_raw',
    'check_output_dir',
    'staging_dir',
]

_MARKER = 'meta.json'
_KINDS = ('partial', 'old')
_OWNER_RE = re.compile(r'^(?P<pid>\d+)\.(?P<start>\d+)\.[^.]+\.(?P<host>.+)$')
#: Seconds after which a folder beside OUT whose writer cannot be checked
#: (another host, an older mmcosa, no process ids) counts as abandoned.
STALE_AGE_S = 24 * 3600


def _host() -> str:
    return re.sub(r'[^A-Za-z0-9.-]', '-', socket.gethostname()) or 'host'


def _start_ticks(pid: int) -> int:
    """Start time of process ``pid`` (Linux clock ticks; 0 if unknown)."""
    try:
        with open(f'/proc/{pid}/stat', 'rb') as f:
            return int(f.read().rsplit(b')', 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


def _make_dir(out: Path, kind: str) -> Path:
    pid = os.getpid()
    return Path(
        tempfile.mkdtemp(
            prefix=f'.{out.name}.{kind}-{pid}.{_start_ticks(pid)}.',
            suffix=f'.{_host()}',
            dir=out.parent,
        )
    )


def _owner_state(path: Path, kind: str, out: Path) -> Tuple[str, str]:
    """``(state, who)`` of a folder beside OUT; state is ``'live'``,
    ``'dead'``, ``'unknown'`` or ``'gone'`` (removed meanwhile)."""
    m = _OWNER_RE.match(path.name[len(f'.{out.name}.{kind}-') :])
    try:
        old = time.time() - path.stat().st_mtime > STALE_AGE_S
    except FileNotFoundError:  # removed meanwhile by its owner
        return 'gone', ''
    if m is None:
        return ('dead' if old else 'unknown'), 'an older mmcosa'
    pid, start, host = int(m['pid']), int(m['start']), m['host']
    who = f'pid {pid} on {host}'
    if host != _host() or os.name != 'posix':
        return ('dead' if old else 'unknown'), who
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return 'dead', who
    except PermissionError:
        pass  # another user's process
    now = _start_ticks(pid)
    if start and now and now != start:  # the id was reused since
        return 'dead', who
    return 'live', who


def _clear_leftovers(out: Path) -> None:
    """Remove what killed runs left beside ``out``; refuse if one runs."""
    if not out.parent.is_dir():
        return
    for kind in _KINDS:
        prefix = f'.{out.name}.{kind}-'
        for path in sorted(out.parent.iterdir()):
            if not (path.name.startswith(prefix) and path.is_dir()):
                continue
            state, who = _owner_state(path, kind, out)
            if state == 'live' and kind == 'partial':
                raise ConversionError(
                    f'{out}: another conversion into this folder is running '
                    f'({who}, writing {path.name}); wait for it to finish '
                    f'or choose another OUT. If no such process runs, '
                    f'delete {path}.'
                )
            if state == 'unknown':
                print_log(
                    f'{path}: left by {who} and less than '
                    f'{STALE_AGE_S // 3600} h old, so it may still be in '
                    f'use; left alone. Delete it if no conversion into '
                    f'{out} runs.',
                    logger='current',
                )
            elif state == 'dead' and kind == 'old' and not out.exists():
                os.replace(path, out)
                print_log(
                    f'{out}: restored from {path.name}, where a conversion '
                    f'({who}) had moved it aside before it was killed.',
                    logger='current',
                )
            elif state == 'dead':
                shutil.rmtree(path, ignore_errors=True)
                print_log(
                    f'{path}: removed; left by a conversion ({who}) that '
                    f'was killed.',
                    logger='current',
                )


def check_out_outside_raw(out: Path, raw: Path) -> None:
    """Refuse an output folder inside the raw folder, or the reverse.

    A prepared folder inside RAW is read as raw data by the next run (and
    ``--overwrite`` would replace it while it is read); RAW inside OUT is
    deleted by ``--overwrite``.

    Args:
        out (Path): The output folder.
        raw (Path): The raw folder as the user named it.

    Raises:
        ConversionError: If one folder is, or is inside, the other.
    """
    o, r = Path(out).resolve(), Path(raw).resolve()
    if o == r or r in o.parents:
        raise ConversionError(
            f'{out}: OUT is inside the raw folder {raw}; the next conversion '
            f'would read the prepared files as raw data. Choose an OUT '
            f'outside it (e.g. data/busi or data/udiat).'
        )
    if o in r.parents:
        raise ConversionError(
            f'{raw}: the raw folder is inside OUT {out}, which --overwrite '
            f'replaces; choose an OUT that does not hold the raw data.'
        )


def check_output_dir(out: Path, overwrite: bool = False) -> None:
    """Refuse an output folder that is in use or already holds something.

    First the folders that killed conversions left beside ``out`` are
    cleared (see the module docstring); a conversion into ``out`` that is
    still running is refused. With ``overwrite`` a folder holding a
    previous conversion (it has a ``meta.json``) may be replaced; any
    other non-empty folder is refused even then, so a mistyped OUT never
    deletes unrelated files.

    Args:
        out (Path): The output folder.
        overwrite (bool): Whether a previous conversion may be replaced.

    Raises:
        ConversionError: If ``out`` is a file, a non-empty folder that may
            not be replaced, being written by another conversion, or not
            accessible (the message names the path and the fix).
    """
    out = Path(out).absolute()
    try:
        _clear_leftovers(out)
        _check_empty(out, overwrite)
    except OSError as e:
        raise ConversionError(describe_os_error(e, out)) from e


def _check_empty(out: Path, overwrite: bool) -> None:
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


def _snapshot(out: Path) -> Optional[tuple]:
    """What ``out`` is now: None (absent or empty) or an identity."""
    if not out.exists():
        return None
    if not out.is_dir():
        return ('file',)
    if not any(out.iterdir()):
        return None
    try:
        meta = (out / _MARKER).stat()
    except FileNotFoundError:
        return ('other',)
    return ('prepared', out.stat().st_ino, meta.st_ino, meta.st_mtime_ns)


@contextmanager
def _parent_lock(parent: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``parent`` (POSIX ``flock``; elsewhere, or
    where the file system has no locks, the re-check runs unlocked)."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(fd)


@contextmanager
def staging_dir(out: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; rename it to ``out`` at exit.

    On an exception the temporary folder is deleted and ``out`` is left as
    it was. On success, holding a lock on the parent folder, ``out`` is
    checked again: if it changed since the start (another conversion
    finished into it meanwhile) nothing is replaced and
    :class:`ConversionError` is raised. Otherwise the new folder is renamed
    into place; a previous conversion (``overwrite``) is moved aside first
    and deleted after.

    Args:
        out (Path): The final output folder.
        overwrite (bool): Whether a previous conversion may be replaced.

    Yields:
        Path: The temporary folder to write into.

    Raises:
        ConversionError: If ``out`` may not be written or changed meanwhile,
            or on an :class:`OSError` (a full disk, no permission); the
            message names the path and the fix.
    """
    out = Path(out).absolute()
    check_output_dir(out, overwrite)
    try:
        before = _snapshot(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = _make_dir(out, 'partial')
    except OSError as e:
        raise ConversionError(describe_os_error(e, out)) from e
    try:
        yield tmp
        tmp.chmod(0o755)
        with _parent_lock(out.parent):
            _move_into_place(tmp, out, before)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ConversionError(describe_os_error(e, out)) from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _changed(out: Path, now: tuple) -> ConversionError:
    what = (
        'another conversion finished into it'
        if now[0] == 'prepared'
        else 'something was written into it'
    )
    return ConversionError(
        f'{out}: changed while this conversion ran ({what}); it was left as '
        f'it is and this result discarded. Check it with python '
        f'tools/dataset_converters/verify.py {out}, or re-run with '
        f'--overwrite to replace it.'
    )


def _move_into_place(tmp: Path, out: Path, before: Optional[tuple]) -> None:
    now = _snapshot(out)
    if now is not None and now != before:
        raise _changed(out, now)
    if now is None:
        if out.is_dir():
            out.rmdir()
        try:
            os.replace(tmp, out)
        except OSError as e:  # appeared after the check (no lock taken)
            if out.is_dir() and any(out.iterdir()):
                raise _changed(out, _snapshot(out) or ('other',)) from e
            raise
        return
    old = _make_dir(out, 'old')
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
