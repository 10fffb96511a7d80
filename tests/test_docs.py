"""The README and docs/en are the front door: what they name must exist.

Every file, folder and picture they name exists, every relative link (and
its ``#anchor``) resolves, the quick start is what CI runs, the README
stays short, the table of contents lists every page, and no file cites a
document users do not have.
"""

import glob
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
README_PATH = osp.join(REPO, 'README.md')
DOC_PATHS = sorted(glob.glob(osp.join(REPO, 'docs', 'en', '*.md')))
PAGES = [README_PATH] + DOC_PATHS


def _read(path: str) -> str:
    with open(path, encoding='utf-8') as f:
        return f.read()


README = _read(README_PATH)
CI = _read(osp.join(REPO, '.ci', 'run'))

# A repository path as written in prose or commands: a top-level folder,
# then a file with one of these extensions, or a folder ending in '/'.
PATH_RE = re.compile(
    r'(?<![\w/.-])((?:configs|tools|docs|requirements|mmcosa|tests)'
    r'/(?:[\w.-]+/)*(?:[\w.-]+\.(?:py|sh|png|txt|md|json)(?![\w-])'
    r'|(?=[\s`\'"),;:]|$)))'
)
LINK_RE = re.compile(r'(?<!!)\[[^\]]*\]\(([^)\s]+)\)')
PICTURE_RE = re.compile(r'!\[[^\]]*\]\(([^)\s]+)\)')


def _rel(path: str) -> str:
    return osp.relpath(path, REPO)


def _prose(text: str) -> str:
    """The text without fenced code blocks (for headings)."""
    return re.sub(r'^```.*?^```', '', text, flags=re.S | re.M)


def _anchors(path: str) -> set:
    """GitHub's heading anchors of a markdown file."""
    seen = {}
    anchors = set()
    for line in _prose(_read(path)).splitlines():
        m = re.match(r'#{1,6}\s+(.*?)\s*#*\s*$', line)
        if not m:
            continue
        slug = re.sub(r'[^\w\- ]', '', m.group(1).lower()).replace(' ', '-')
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f'{slug}-{n}')
    return anchors


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
    assert setup_and_demo.startswith(install + ' && ')
    assert test_cmd.startswith('python -m pytest tests')
    assert 'python -m pytest tests' in CI


def test_readme_is_short():
    n = len(README.splitlines())
    assert n <= 300, f'README.md has {n} lines; move details to docs/en/'


def test_docs_pages_exist():
    names = {osp.basename(p) for p in DOC_PATHS}
    for name in (
        'index.md',
        'get_started.md',
        'dataset_prepare.md',
        'train_test.md',
        'cross_validation.md',
        'inference.md',
        'models.md',
        'phantom.md',
        'performance.md',
        'development.md',
    ):
        assert name in names, name


def test_path_pattern_finds_files_and_folders():
    text = (
        'run `python tools/train.py CONFIG`, see configs/_base_/ and '
        'docs/en/index.md; not configs/*_busi.py nor xconfigs/a.py'
    )
    assert PATH_RE.findall(text) == [
        'tools/train.py',
        'configs/_base_/',
        'docs/en/index.md',
    ]


@pytest.mark.parametrize('page', PAGES, ids=_rel)
def test_every_named_file_exists(page):
    paths = set(PATH_RE.findall(_read(page)))
    if page == README_PATH:
        assert len(paths) > 20
    missing = sorted(p for p in paths if not osp.exists(osp.join(REPO, p)))
    assert not missing, (
        f'{_rel(page)} names paths that do not exist: {missing}'
    )


@pytest.mark.parametrize('page', PAGES, ids=_rel)
def test_every_picture_exists(page):
    for pic in PICTURE_RE.findall(_read(page)):
        target = osp.normpath(osp.join(osp.dirname(page), pic))
        assert osp.isfile(target), f'{_rel(page)}: picture {pic} is missing'


def test_pictures_are_shown():
    pictures = [
        osp.normpath(osp.join(osp.dirname(page), pic))
        for page in PAGES
        for pic in PICTURE_RE.findall(_read(page))
    ]
    assert PICTURE_RE.findall(README)
    shown = {_rel(p) for p in pictures}
    figures = {_rel(p) for p in glob.glob(osp.join(REPO, 'docs/figures/*'))}
    assert figures <= shown, f'pictures no page shows: {figures - shown}'


@pytest.mark.parametrize('page', PAGES, ids=_rel)
def test_every_relative_link_resolves(page):
    bad = []
    for link in LINK_RE.findall(_read(page)):
        if re.match(r'[a-z]+:', link):
            continue  # http(s), mailto
        target, _, anchor = link.partition('#')
        path = (
            osp.normpath(osp.join(osp.dirname(page), target))
            if target
            else page
        )
        if not osp.exists(path):
            bad.append(f'{link} (no such file)')
        elif anchor and anchor not in _anchors(path):
            bad.append(f'{link} (no such heading in {_rel(path)})')
    assert not bad, f'{_rel(page)}: broken links: {bad}'


def test_index_lists_every_page():
    index = _read(osp.join(REPO, 'docs', 'en', 'index.md'))
    linked = {link.partition('#')[0] for link in LINK_RE.findall(index)}
    pages = {osp.basename(p) for p in DOC_PATHS} - {'index.md'}
    assert pages <= linked, f'index.md does not list {pages - linked}'


def test_no_file_cites_documents_users_do_not_have():
    # The design notes behind mmcosa are not shipped: cite the paper's
    # sections or a docs/en page instead.
    word = 'SP' + 'EC'
    pattern = re.compile(rf'\b{word}\b(?: ?section|\.md)|\.\./shared/')
    files = PAGES + [
        p
        for top in ('mmcosa', 'configs', 'tools', 'tests')
        for ext in ('py', 'sh')
        for p in glob.glob(
            osp.join(REPO, top, '**', f'*.{ext}'), recursive=True
        )
    ]
    hits = [
        f'{_rel(p)}:{i}'
        for p in files
        for i, line in enumerate(_read(p).splitlines(), 1)
        if pattern.search(line)
    ]
    assert not hits, f'cite the paper or docs/en instead: {hits}'
