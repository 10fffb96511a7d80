"""The README is the front door: what it names must exist and run."""

import os.path as osp
import re

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
README = open(osp.join(REPO, 'README.md'), encoding='utf-8').read()
CI = open(osp.join(REPO, '.ci', 'run'), encoding='utf-8').read()


def quick_start_commands() -> list:
    section = README.split('## Quick start', 1)[1].split('\n## ', 1)[0]
    block = section.split('```shell', 1)[1].split('```', 1)[0]
    return [
        line.strip()
        for line in block.splitlines()
        if line.strip() and not line.lstrip().startswith('#')
    ]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    setup_and_demo, setup_and_tests = quick_start_commands()
    assert 'tools/train.py configs/mtl_cosa_r18_phantom.py' in setup_and_demo
    assert 'tools/test.py configs/mtl_cosa_r18_phantom.py' in setup_and_demo
    install, test_cmd = setup_and_tests.split(' && ')
    assert install in CI
    assert test_cmd.startswith('python -m pytest tests')
    assert 'python -m pytest tests' in CI


def test_every_named_file_exists():
    paths = set(
        re.findall(
            r'(?<![\w/.-])((?:configs|tools|docs|requirements)'
            r'/[\w/.-]+\.(?:py|sh|png|txt))',
            README,
        )
    )
    assert len(paths) > 20
    missing = sorted(p for p in paths if not osp.exists(osp.join(REPO, p)))
    assert not missing, f'README names files that do not exist: {missing}'


def test_every_picture_exists():
    pictures = re.findall(r'!\[[^\]]*\]\(([^)]+)\)', README)
    assert len(pictures) >= 4
    for pic in pictures:
        assert osp.isfile(osp.join(REPO, pic)), pic
