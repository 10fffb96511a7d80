"""``import mmcosa`` needs no optional package; an optional transform
fails with a clear message only when it is built."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mmcosa.datasets.transforms import UltrasoundAugment

REPO = Path(__file__).resolve().parents[2]
BLOCKED = ('usaugment', 'albumentations')
INSTALL = 'pip install "usaugment>=1.0.1"'

# Runs in a fresh interpreter: a meta-path finder makes the optional
# packages look uninstalled before anything imports them.
SCRIPT = textwrap.dedent(
    """
    import importlib.abc
    import sys

    BLOCKED = {blocked!r}


    class Uninstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in BLOCKED:
                raise ModuleNotFoundError(
                    f'No module named {{name!r}}', name=name
                )
            return None


    sys.meta_path.insert(0, Uninstalled())
    import mmcosa
    from mmseg.registry import TRANSFORMS

    print('mmcosa from', mmcosa.__file__)
    loaded = sorted(m for m in sys.modules if m.split('.')[0] in BLOCKED)
    assert not loaded, f'import mmcosa imported {{loaded}}'
    try:
        TRANSFORMS.build(dict(type='UltrasoundAugment'))
    except ImportError as err:
        print('ImportError:', err)
    else:
        raise SystemExit('UltrasoundAugment was built without usaugment')
    """
).format(blocked=BLOCKED)


def test_import_mmcosa_without_optional_packages():
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-c', SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f'mmcosa from {REPO / "mmcosa" / "__init__.py"}' in proc.stdout
    assert (
        'ImportError: UltrasoundAugment needs the optional package '
        "usaugment, which could not be imported (No module named 'usaugment'"
    ) in proc.stdout
    assert INSTALL in proc.stdout


def test_ultrasound_augment_missing_usaugment(monkeypatch):
    # None in sys.modules makes the import fail as if not installed.
    monkeypatch.setitem(sys.modules, 'usaugment.albumentations', None)
    with pytest.raises(ImportError, match='optional package usaugment') as e:
        UltrasoundAugment(['HazeArtifact'])
    assert INSTALL in str(e.value)
    assert isinstance(e.value.__cause__, ImportError)


def test_ultrasound_augment_argument_errors_come_first(monkeypatch):
    monkeypatch.setitem(sys.modules, 'usaugment.albumentations', None)
    with pytest.raises(ValueError, match='unknown ultrasound augmentation'):
        UltrasoundAugment(['Speckle'])
    with pytest.raises(ValueError, match='scan_mask must be one of'):
        UltrasoundAugment(scan_mask='sector')
