"""Hooks read outputs: of mmcosa they import only the registry, the
structures, the visualization and the class names (the constants module
``mmcosa.datasets.metainfo``), never ``mmcosa.apis``."""

import ast
import os.path as osp
from pathlib import Path

import pytest

import mmcosa.engine.hooks

HOOKS_DIR = Path(osp.dirname(mmcosa.engine.hooks.__file__))
ALLOWED = (
    'mmcosa.registry',
    'mmcosa.structures',
    'mmcosa.visualization',
    'mmcosa.datasets.metainfo',
)


def _mmcosa_imports(path: Path) -> list:
    """Absolute names of the mmcosa modules a file imports."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against mmcosa.engine.hooks
                parts = ['mmcosa', 'engine', 'hooks'][: 4 - node.level]
                names.append('.'.join(parts + [node.module or '']))
            else:
                names.append(node.module)
    return [n for n in names if n == 'mmcosa' or n.startswith('mmcosa.')]


@pytest.mark.parametrize(
    'path', sorted(HOOKS_DIR.glob('*.py')), ids=lambda p: p.name
)
def test_hooks_import_only_registry_structures_and_visualization(path):
    bad = [
        name
        for name in _mmcosa_imports(path)
        if not name.startswith(ALLOWED)
        and not name.startswith('mmcosa.engine.hooks')
    ]
    assert not bad, f'{path.name} imports {bad}'


def test_the_check_sees_an_apis_import(tmp_path):
    bad = tmp_path / 'bad_hook.py'
    bad.write_text(
        'from mmcosa.apis.inference import init_model\n'
        'import mmcosa.visualization\n'
        'from .other_hook import X\n'
    )
    assert _mmcosa_imports(bad) == [
        'mmcosa.apis.inference',
        'mmcosa.visualization',
        'mmcosa.engine.hooks.other_hook',
    ]
