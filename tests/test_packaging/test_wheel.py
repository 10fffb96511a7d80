"""The wheel installs one top-level package, ``mmcosa``, with the configs
and tools as data under ``mmcosa/.mim`` (as mmsegmentation ships them).

The wheel is built from a copy of the source tree (build/ and *.egg-info
stay out of the repository and stale build/lib files out of the wheel),
offline and without build isolation.
"""

import csv
import importlib.util
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Left out of the copy: VCS data, build outputs, data, run outputs.
ROOT_SKIP = {
    '.git',
    '.venv',
    '.ruff_cache',
    '.pytest_cache',
    'build',
    'dist',
    'data',
    'work_dirs',
}


def _backend_missing() -> str:
    """Why the setuptools backend cannot build a wheel here, or ''."""
    if importlib.util.find_spec('setuptools') is None:
        return 'setuptools (the build backend) is not installed'
    has_bdist_wheel = (
        importlib.util.find_spec('setuptools.command.bdist_wheel') is not None
        or importlib.util.find_spec('wheel') is not None
    )
    if not has_bdist_wheel:
        return 'no bdist_wheel: needs setuptools>=70.1 or the wheel package'
    return ''


def _ignore(folder: str, names: list) -> set:
    skip = {
        n
        for n in names
        if n == '__pycache__' or n.endswith(('.pyc', '.egg-info'))
    }
    if Path(folder) == REPO:
        skip |= ROOT_SKIP & set(names)
    return skip


def _run(args: list, cwd: Path) -> None:
    proc = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _pip_wheel(target: Path, out: Path) -> Path:
    _run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps']
        + ['--no-build-isolation', '--no-index', '-q']
        + ['-w', str(out), str(target)],
        cwd=out,
    )
    (wheel,) = out.glob('mmcosa-*.whl')
    return wheel


def _record(wheel: Path) -> list:
    """The file paths listed in the wheel's RECORD."""
    with zipfile.ZipFile(wheel) as z:
        (name,) = (n for n in z.namelist() if n.endswith('.dist-info/RECORD'))
        rows = csv.reader(io.StringIO(z.read(name).decode()))
        return [row[0] for row in rows if row]


def _top_level_txt(wheel: Path) -> list:
    with zipfile.ZipFile(wheel) as z:
        (name,) = (
            n for n in z.namelist() if n.endswith('.dist-info/top_level.txt')
        )
        return z.read(name).decode().split()


@pytest.fixture(scope='module')
def source(tmp_path_factory) -> Path:
    reason = _backend_missing()
    if reason:
        pytest.skip(f'cannot build the wheel offline: {reason}')
    src = tmp_path_factory.mktemp('src') / 'mmcosa'
    shutil.copytree(REPO, src, ignore=_ignore)
    return src


@pytest.fixture(scope='module')
def wheel(source, tmp_path_factory) -> Path:
    return _pip_wheel(source, tmp_path_factory.mktemp('wheel'))


def test_wheel_top_level_is_only_mmcosa(wheel):
    paths = _record(wheel)
    top = {p.split('/')[0] for p in paths}
    dist_info = {t for t in top if t.endswith('.dist-info')}
    assert len(dist_info) == 1
    assert top - dist_info == {'mmcosa'}
    assert _top_level_txt(wheel) == ['mmcosa']
    assert 'mmcosa/__init__.py' in paths


def test_wheel_ships_configs_and_tools_under_mim(wheel, source):
    paths = set(_record(wheel))
    expected = {
        'mmcosa/.mim/' + p.relative_to(source).as_posix()
        for folder, patterns in (
            ('configs', ['*.py']),
            ('tools', ['*.py', '*.sh']),
        )
        for pat in patterns
        for p in (source / folder).rglob(pat)
        if '__pycache__' not in p.parts
    }
    assert 'mmcosa/.mim/configs/mtl_cosa_r18_phantom.py' in expected
    assert 'mmcosa/.mim/tools/train.py' in expected
    assert {p for p in paths if p.startswith('mmcosa/.mim/')} == expected
    assert not [p for p in paths if '/tests/' in p or p.startswith('tests')]


def test_sdist_builds_the_same_wheel(wheel, source, tmp_path):
    # The PEP 517 hook `python -m build` calls; MANIFEST.in must bring
    # along everything setup.py reads and the wheel ships.
    sdist_dir = tmp_path / 'sdist'
    _run(
        [sys.executable, '-c']
        + [
            'import sys, setuptools.build_meta as b; '
            'print(b.build_sdist(sys.argv[1]))',
            str(sdist_dir),
        ],
        cwd=source,
    )
    (sdist,) = sdist_dir.glob('mmcosa-*.tar.gz')
    from_sdist = _pip_wheel(sdist, tmp_path)
    assert sorted(_record(from_sdist)) == sorted(_record(wheel))
