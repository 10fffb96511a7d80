"""Read a split made elsewhere, to audit it against a prepared folder.

Two formats (see ``docs/en/leak_audit.md``):

- **Folds**: the test images of each fold, as a CSV with the header
  ``fold,filename`` (an optional third column ``split`` holds ``test``,
  the default, or ``train``), or as a JSON object ``{"0": [names], ...}``
  (a value may also be ``{"train": [...], "test": [...]}``). A fold
  without a train list trains on the test images of the other folds.
- **Keep-list** (Curated-BUSI): lines ``class;id``, e.g. ``benign;20`` for
  the raw ``benign/benign (20).png``; a subset of the data, not folds.

Names may be prepared names (``benign_0020.png``), raw paths relative to
the download (``benign/benign (20).png``) or raw file names (``benign
(20).png``), with or without the extension; raw names are mapped to the
prepared ones through ``meta.json`` ``sources``.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Dict, List, Mapping, Optional, Sequence, Set

from ..metainfo import CLASS_NAMES

__all__ = ['ImportedSplit', 'NameResolver', 'SplitFileError', 'read_split']

FORMAT_HELP = (
    'expected a CSV with the header fold,filename[,split], a JSON object '
    '{"0": [test names], ...}, or a Curated-BUSI keep-list of class;id '
    'lines (benign;20)'
)
_KEEP_LINE = re.compile(r'^\s*([A-Za-z]+)\s*;\s*(\d+)\s*$')


class SplitFileError(ValueError):
    """A split file is unreadable or names images the folder lacks."""


@dataclass
class ImportedSplit:
    """A split read by :func:`read_split`, in prepared names.

    Attributes:
        path (Path): The file read.
        kind (str): ``'folds'`` or ``'keep_list'``.
        folds (dict[int, dict[str, list[str]]]): Fold -> ``train`` and
            ``test`` lists (``kind == 'folds'``).
        kept (list[str]): The kept images (``kind == 'keep_list'``).
    """

    path: Path
    kind: str
    folds: Dict[int, Dict[str, List[str]]] = field(default_factory=dict)
    kept: List[str] = field(default_factory=list)


class NameResolver:
    """Map prepared names, raw paths and raw file names to prepared names.

    Args:
        images (Sequence[str]): Image files of the prepared folder.
        sources (Mapping[str, str]): ``meta.json`` ``sources``: prepared
            name -> raw path relative to the download.
    """

    def __init__(
        self, images: Sequence[str], sources: Mapping[str, str]
    ) -> None:
        present = set(images)
        keys: Dict[str, Set[str]] = {}
        for name in present:
            for key in (name, PurePosixPath(name).stem):
                keys.setdefault(key, set()).add(name)
        for name, raw in sources.items():
            if name not in present:
                continue
            raw = PurePosixPath(str(raw).replace('\\', '/'))
            for key in (str(raw), str(raw.with_suffix('')), raw.name):
                keys.setdefault(key, set()).add(name)
            keys.setdefault(raw.stem, set()).add(name)
        self._keys = keys

    def __call__(self, name: str) -> Optional[str]:
        """The prepared name, or None when unknown or ambiguous."""
        hits = self._keys.get(name.strip().replace('\\', '/'), set())
        return next(iter(hits)) if len(hits) == 1 else None

    def resolve_all(self, path: Path, names: Sequence[str]) -> List[str]:
        """Resolve every name; raise naming all unknown ones."""
        out = [self(n) for n in names]
        unknown = [n for n, r in zip(names, out) if r is None]
        if unknown:
            shown = ', '.join(repr(n) for n in unknown[:10])
            more = (
                f' and {len(unknown) - 10} more' if len(unknown) > 10 else ''
            )
            raise SplitFileError(
                f'{path}: {len(unknown)} name(s) match no image of the '
                f'prepared folder: {shown}{more}. Names are looked up as '
                f'prepared names (benign_0020.png) and, through meta.json '
                f'"sources", as raw paths (benign/benign (20).png) or raw '
                f'file names; images the converter left out (normal images '
                f'without --keep-normal, label conflicts without '
                f'--keep-conflicts) need a conversion with those options.'
            )
        return out


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding='utf-8-sig')
    except UnicodeDecodeError as e:
        raise SplitFileError(
            f'{path}: not UTF-8 text (byte {e.object[e.start]:#04x} at '
            f'offset {e.start}); re-save it as UTF-8, e.g. '
            f'iconv -f cp1252 -t utf-8.'
        ) from e
    except OSError as e:
        raise SplitFileError(f'{path}: cannot be read ({e}).') from e


def _fold_index(path: Path, where: str, value) -> int:
    try:
        k = int(str(value).strip())
    except ValueError:
        k = -1
    if k < 0:
        raise SplitFileError(
            f'{path} {where}: fold {value!r} is not an integer >= 0.'
        )
    return k


def _rows_csv(path: Path, text: str) -> List[tuple]:
    first = text.lstrip().splitlines()[0]
    delim = ';' if ';' in first and ',' not in first else ','
    reader = csv.DictReader(io.StringIO(text), delimiter=delim)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if not {'fold', 'filename'} <= set(fields):
        raise SplitFileError(
            f'{path}: header {reader.fieldnames} lacks fold,filename; '
            f'{FORMAT_HELP}.'
        )
    reader.fieldnames = fields
    rows = []
    for r, row in enumerate(reader, start=2):
        if not any((v or '').strip() for v in row.values()):
            continue
        split = (row.get('split') or 'test').strip().lower()
        if split not in ('train', 'test'):
            raise SplitFileError(
                f'{path} row {r}: split {split!r} is not train or test.'
            )
        fold = _fold_index(path, f'row {r}', row['fold'])
        rows.append((fold, split, (row['filename'] or '').strip()))
    return rows


def _rows_json(path: Path, text: str) -> List[tuple]:
    try:
        data = json.loads(text)
    except ValueError as e:
        raise SplitFileError(f'{path}: not valid JSON ({e}).') from e
    if not isinstance(data, dict):
        raise SplitFileError(f'{path}: {FORMAT_HELP}.')
    rows = []
    for key, value in data.items():
        fold = _fold_index(path, f'key {key!r}', key)
        lists = value if isinstance(value, dict) else {'test': value}
        for split, names in lists.items():
            if split not in ('train', 'test') or not isinstance(names, list):
                raise SplitFileError(
                    f'{path} fold {key}: expected a list of test names or '
                    f'{{"train": [...], "test": [...]}}, got {split!r}.'
                )
            rows += [(fold, split, str(n)) for n in names]
    return rows


def _folds(path: Path, rows: List[tuple], resolve: NameResolver):
    names = resolve.resolve_all(path, [r[2] for r in rows])
    lists: Dict[int, Dict[str, List[str]]] = {}
    problems, test_fold = [], {}
    for (fold, split, raw), name in zip(rows, names):
        entry = lists.setdefault(fold, {'train': [], 'test': []})
        if name in entry[split]:
            problems.append(f'{raw} ({name}) listed twice in fold {fold}')
        entry[split].append(name)
        if split == 'test':
            if name in test_fold and test_fold[name] != fold:
                problems.append(
                    f'{raw} ({name}) in the test lists of folds '
                    f'{test_fold[name]} and {fold}'
                )
            test_fold.setdefault(name, fold)
    for k, entry in sorted(lists.items()):
        if not entry['test']:
            problems.append(f'fold {k} has no test image')
        if not entry['train']:
            entry['train'] = sorted(n for n, f in test_fold.items() if f != k)
        for name in sorted(set(entry['train']) & set(entry['test'])):
            problems.append(f'{name} in both train and test of fold {k}')
    if problems:
        raise SplitFileError(
            f'{path}: not a valid split:\n'
            + '\n'.join(f'  - {p}' for p in problems)
        )
    return dict(sorted(lists.items()))


def _keep_list(path: Path, lines: List[str], resolve: NameResolver):
    raws, seen = [], set()
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        m = _KEEP_LINE.match(line)
        if m is None or m.group(1).lower() not in CLASS_NAMES:
            if not raws and n == 1 and ';' in line:
                continue  # a header such as ``class;id``
            raise SplitFileError(
                f'{path} line {n}: {line!r} is not class;id with class in '
                f'{CLASS_NAMES} (e.g. benign;20).'
            )
        cls, idx = m.group(1).lower(), int(m.group(2))
        raw = f'{cls}/{cls} ({idx}).png'
        if raw in seen:
            raise SplitFileError(f'{path} line {n}: {line} listed again.')
        seen.add(raw)
        raws.append(raw)
    if not raws:
        raise SplitFileError(f'{path}: no class;id line found.')
    return resolve.resolve_all(path, raws)


def read_split(
    path: Path, images: Sequence[str], sources: Mapping[str, str]
) -> ImportedSplit:
    """Read a split file in any format of this module's docstring.

    Args:
        path (Path): The split file.
        images (Sequence[str]): Image files of the prepared folder.
        sources (Mapping[str, str]): ``meta.json`` ``sources`` (may be
            empty: then only prepared names are known).

    Returns:
        ImportedSplit: The split in prepared names.

    Raises:
        SplitFileError: Unreadable or malformed file, unknown names (all
            named), an image in two test lists or in train and test.
    """
    path = Path(path)
    text = _read_text(path)
    resolve = NameResolver(images, sources)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise SplitFileError(f'{path}: empty; {FORMAT_HELP}.')
    if path.suffix.lower() == '.json' or lines[0].lstrip().startswith('{'):
        folds = _folds(path, _rows_json(path, text), resolve)
        return ImportedSplit(path, 'folds', folds=folds)
    header = [f.strip().lower() for f in re.split('[,;]', lines[0])]
    if 'fold' in header:
        folds = _folds(path, _rows_csv(path, text), resolve)
        return ImportedSplit(path, 'folds', folds=folds)
    if ';' in lines[0]:
        return ImportedSplit(
            path,
            'keep_list',
            kept=_keep_list(path, text.splitlines(), resolve),
        )
    raise SplitFileError(
        f'{path}: unknown format (first line {lines[0][:60]!r}); '
        f'{FORMAT_HELP}.'
    )
