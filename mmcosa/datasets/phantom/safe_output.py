"""Write a folder aside, then move it into place."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Union

__all__ = ['atomic_output_dir']


@contextlib.contextmanager
def atomic_output_dir(out: Union[str, Path]) -> Iterator[Path]:
    """Yield a temporary folder beside ``out`` that becomes ``out``.

    The folder is renamed to ``out`` only when the block succeeds; on an
    error it is removed, so no half-written output is left behind.

    Args:
        out (str | Path): Final folder. It must not exist or be empty.

    Yields:
        Path: The temporary folder to write into.

    Raises:
        FileExistsError: ``out`` is a file or a non-empty folder.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(
            f'output folder {out} already exists and is not empty; choose a '
            'new folder or remove this one first'
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(
        tempfile.mkdtemp(prefix=f'.{out.name}.', suffix='.tmp', dir=out.parent)
    )
    try:
        yield tmp
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
