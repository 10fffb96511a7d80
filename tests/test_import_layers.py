"""The import graph of ``mmcosa`` runs one way (read from the source, with
``ast``, so lazy imports inside functions count too).

Layers, lowest first::

    utils  <-  structures, datasets, models, evaluation, engine,
               visualization, apis  <-  cli  <-  tools/

- ``mmcosa/utils/`` imports no other mmcosa subpackage;
- nothing under ``mmcosa/`` imports ``tools`` (the scripts call the package,
  never the other way round);
- hooks (``mmcosa/engine/hooks/``) do not import ``mmcosa.apis``: they read
  the model's outputs and draw with ``mmcosa.visualization``;
- ``mmcosa/cli/`` is the top: nothing else in mmcosa imports it, and it
  holds the entry-point logic: no other mmcosa module parses arguments
  (imports ``argparse``).
"""

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / 'mmcosa'


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix('').parts
    if parts[-1] == '__init__':
        parts = parts[:-1]
    return '.'.join(parts)


def _imports(path: Path, root: Path = ROOT) -> Iterator[Tuple[int, str]]:
    """Absolute names of what ``path`` imports, with line numbers.

    ``from a.b import c`` gives ``a.b.c`` (``c`` may be a module:
    ``from mmcosa import models``); relative imports are resolved.
    """
    package = _module_name(path, root).split('.')
    if path.name != '__init__.py':
        package = package[:-1]
    tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = '.'.join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            for alias in node.names:
                yield node.lineno, f'{name}.{alias.name}'


def _edges(folder: str) -> List[Tuple[str, int, str]]:
    """(file, line, imported module) for every import under ``folder``."""
    files = sorted((PACKAGE / folder).rglob('*.py'))
    return [
        (str(p.relative_to(ROOT)), line, name)
        for p in files
        for line, name in _imports(p)
    ]


def _top(name: str) -> str:
    return '.'.join(name.split('.')[:2])


def test_package_is_parsed():
    edges = _edges('.')
    assert len({f for f, _, _ in edges}) > 50
    # Relative imports resolve to absolute names.
    assert any(name.startswith('mmcosa.utils.compat.') for _, _, name in edges)


def test_utils_imports_no_other_subpackage():
    bad = [
        f'{f}:{line} imports {name}'
        for f, line, name in _edges('utils')
        if name.startswith('mmcosa.') and _top(name) != 'mmcosa.utils'
    ]
    assert bad == []


def test_nothing_in_mmcosa_imports_tools():
    bad = [
        f'{f}:{line} imports {name}'
        for f, line, name in _edges('.')
        if name.split('.')[0] == 'tools'
    ]
    assert bad == []


def test_hooks_do_not_import_apis():
    bad = [
        f'{f}:{line} imports {name}'
        for f, line, name in _edges('engine/hooks')
        if _top(name) == 'mmcosa.apis'
    ]
    assert bad == []


def test_nothing_imports_cli():
    bad = [
        f'{f}:{line} imports {name}'
        for f, line, name in _edges('.')
        if _top(name) == 'mmcosa.cli' and not f.startswith('mmcosa/cli/')
    ]
    assert bad == []


# The ONNX runner is one self-contained file a workstation takes alone
# (no torch, mmengine or mmcosa), so it carries its own small command line.
STANDALONE = ('mmcosa/deployment/onnx_runner.py',)


def test_only_cli_parses_arguments():
    bad = [
        f'{f}:{line} imports {name}'
        for f, line, name in _edges('.')
        if name.split('.')[0] == 'argparse'
        and not f.startswith('mmcosa/cli/')
        and f not in STANDALONE
    ]
    assert bad == []


def test_standalone_runner_imports_no_project_code():
    edges = [(f, line, name) for f, line, name in _edges('deployment')]
    seen = {name for f, _, name in edges if f in STANDALONE}
    assert {'cv2', 'numpy', 'onnxruntime'} <= seen  # the file was parsed
    bad = [
        f'{f}:{line} imports {name}'
        for f, line, name in edges
        if f in STANDALONE
        and name.split('.')[0]
        in ('torch', 'mmengine', 'mmseg', 'mmcv', 'mmcosa')
    ]
    assert bad == []


@pytest.mark.parametrize(
    'source, expected',
    [
        ('from .b import c', 'mmcosa.utils.b.c'),
        ('from .. import models', 'mmcosa.models'),
        ('from ..models import x', 'mmcosa.models.x'),
        ('import tools.benchmark', 'tools.benchmark'),
    ],
)
def test_imports_resolve(tmp_path, source, expected):
    """The resolver itself, on a file placed at ``mmcosa/utils/a.py``."""
    (tmp_path / 'mmcosa' / 'utils').mkdir(parents=True)
    path = tmp_path / 'mmcosa' / 'utils' / 'a.py'
    path.write_text(source + '\n')
    assert [name for _, name in _imports(path, tmp_path)] == [expected]
