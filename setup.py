"""Install mmcosa: ``pip install -e .`` from a checkout, or ``pip install .``
(add ``-r requirements/pinned.txt`` first for the tested stack).

The wheel holds one top-level package, ``mmcosa``. As in mmsegmentation,
``configs/`` and ``tools/`` travel inside it as data under ``mmcosa/.mim/``
(copied at build time; an editable install reads them from the checkout).

mmcv is deliberately not in ``install_requires``, as in mmsegmentation and
mmpretrain: either ``mmcv-lite`` (no compiled ops, enough for mmcosa) or a
full ``mmcv`` build satisfies it, and ``import mmcosa`` checks the version
range at run time. ``pip install -e .[lite]`` pulls mmcv-lite.
"""

import os
import os.path as osp
import re
from fnmatch import fnmatch

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
# Folders of the checkout shipped as mmcosa/.mim/<folder>, and the files
# taken from them (MANIFEST.in puts the same files in the sdist).
MIM_DIRS = ('configs', 'tools')
MIM_PATTERNS = ('*.py', '*.sh')


def readme() -> str:
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version() -> str:
    with open(osp.join(HERE, 'mmcosa', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def parse_requirements(fname: str) -> list:
    """Read the requirement lines of ``requirements/<fname>``."""
    with open(osp.join(HERE, 'requirements', fname), encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def mim_files() -> list:
    """``(source, path inside the package)`` of each file under ``.mim``."""
    files = []
    for folder in MIM_DIRS:
        for root, dirs, names in os.walk(osp.join(HERE, folder)):
            dirs[:] = sorted(d for d in dirs if d != '__pycache__')
            for name in sorted(names):
                if any(fnmatch(name, pat) for pat in MIM_PATTERNS):
                    src = osp.join(root, name)
                    dst = osp.join('.mim', osp.relpath(src, HERE))
                    files.append((src, dst))
    return files


class BuildPyWithMim(build_py):
    """``build_py`` that also copies ``configs/`` and ``tools/`` into
    ``mmcosa/.mim/`` of the build, not of the source tree (mmsegmentation
    copies them into its source tree; building here leaves it untouched).
    """

    def _mim_outputs(self) -> list:
        if getattr(self, 'editable_mode', False):
            return []
        pkg = osp.join(self.build_lib, 'mmcosa')
        return [(src, osp.join(pkg, dst)) for src, dst in mim_files()]

    def run(self) -> None:
        super().run()
        for src, dst in self._mim_outputs():
            self.mkpath(osp.dirname(dst))
            self.copy_file(src, dst, preserve_mode=True)

    def get_outputs(self, include_bytecode: bool = True) -> list:
        outputs = super().get_outputs(include_bytecode)
        return outputs + [dst for _, dst in self._mim_outputs()]


setup(
    name='mmcosa',
    version=get_version(),
    description='MTL-COSA: multi-task breast-ultrasound tumour segmentation '
    'and classification with context-oriented self-attention, '
    'for OpenMMLab',
    long_description=readme(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    # Only mmcosa: exclude=('tests',) alone let tests.test_* in as
    # top-level packages.
    packages=find_packages(include=('mmcosa', 'mmcosa.*')),
    include_package_data=True,
    cmdclass={'build_py': BuildPyWithMim},
    python_requires='>=3.10,<3.14',
    install_requires=parse_requirements('runtime.txt'),
    extras_require={
        'lite': parse_requirements('mminstall.txt'),
        'full': ['mmcv>=2.0.0,<2.2.0'],
        'optional': parse_requirements('optional.txt'),
        'deploy': parse_requirements('deploy.txt'),
        'tests': parse_requirements('tests.txt'),
    },
    classifiers=[
        'Programming Language :: Python :: 3.10',
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
        'Topic :: Scientific/Engineering :: Medical Science Apps.',
        'Topic :: Scientific/Engineering :: Image Recognition',
    ],
    zip_safe=False,
)
