"""Install mmcosa: ``pip install -e .`` (add ``-r requirements/pinned.txt``
first for the tested stack).

mmcv is deliberately not in ``install_requires``, as in mmsegmentation and
mmpretrain: either ``mmcv-lite`` (no compiled ops, enough for mmcosa) or a
full ``mmcv`` build satisfies it, and ``import mmcosa`` checks the version
range at run time. ``pip install -e .[lite]`` pulls mmcv-lite.
"""

import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


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


setup(
    name='mmcosa',
    version=get_version(),
    description='MTL-COSA: multi-task breast-ultrasound tumour segmentation '
    'and classification with context-oriented self-attention, '
    'for OpenMMLab',
    long_description=readme(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    include_package_data=True,
    python_requires='>=3.10,<3.14',
    install_requires=parse_requirements('runtime.txt'),
    extras_require={
        'lite': parse_requirements('mminstall.txt'),
        'full': ['mmcv>=2.0.0,<2.2.0'],
        'optional': parse_requirements('optional.txt'),
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
