"""UDIAT Dataset B (Yap et al. 2018) as downloaded -> prepared layout.

Expected input (``RAW`` is this folder)::

    DatasetB/
    ├── original/      000001.png ... 000163.png   grey B-mode images
    ├── GT/            000001.png ... 000163.png   0/255 masks
    └── DatasetB.xlsx  columns Image | Type | Diagnosis (a CSV export works)

Labels come from the sheet: ``Image`` is the id (``000001`` or ``1``,
matched by value), ``Type`` is ``Benign`` / ``Malignant``, ``Diagnosis``
(CYST, FA, ..., IDC) is kept in ``labels.csv``. Columns to the right of
these (the legend) and rows without an ``Image`` value are not data.
Output names are the six-digit ids (``000001.png``).
"""

import csv
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .errors import ConversionError
from .image_io import IMAGE_SUFFIXES, is_system_file
from .prepare import write_prepared
from .records import CollectResult, RawSample
from .summary import ConversionSummary

__all__ = [
    'normalise_id',
    'read_udiat_labels',
    'collect_udiat',
    'convert_udiat',
]

_SKIP = 'or pass --skip-bad to leave it out'
_TYPES = {'benign': 0, 'malignant': 1}
_GT_SUFFIX_RE = re.compile(r'[_-]?(gt|mask)$', re.I)


def normalise_id(value: object) -> str:
    """Canonical image id: ``1``, ``1.0``, ``'000001'``, ``'000001.png'``
    all give ``'1'``; other text is lower-cased and stripped."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).strip()
    suffix = Path(s).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        s = s[: -len(suffix)]
    return str(int(s)) if s.isdigit() else s.lower()


def _read_rows(path: Path) -> List[Tuple]:
    suffix = path.suffix.lower()
    if suffix in ('.xlsx', '.xlsm'):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many types on bad files
            raise ConversionError(
                f'{path}: cannot be read as an Excel workbook '
                f'({type(e).__name__}: {e}); replace it with the '
                f'DatasetB.xlsx of the download or a CSV export.'
            ) from e
        try:
            return [
                tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            wb.close()
    if suffix in ('.csv', '.txt'):
        text = path.read_text(encoding='utf-8-sig')
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=',;\t')
        except csv.Error:
            dialect = csv.excel
        return [tuple(r) for r in csv.reader(text.splitlines(), dialect)]
    raise ConversionError(
        f'{path}: labels must be an .xlsx workbook or a .csv export, not '
        f'{suffix!r}.'
    )


def read_udiat_labels(
    path: Path,
) -> Tuple[Dict[str, Tuple[int, str, int]], List[str]]:
    """Read the UDIAT label sheet (``DatasetB.xlsx`` or its CSV export).

    Args:
        path (Path): The workbook or CSV file.

    Returns:
        tuple: ``(table, problems)``; ``table`` maps a normalised id to
        ``(label, diagnosis, row number, id as written)``, ``problems``
        names bad rows.

    Raises:
        ConversionError: If the file cannot be read or has no header row
            with ``Image`` and ``Type`` columns.
    """
    path = Path(path)
    rows = _read_rows(path)
    header = None
    for r, row in enumerate(rows[:20]):
        cells = [str(c).strip().lower() if c is not None else '' for c in row]
        if 'image' in cells and 'type' in cells:
            header = r
            col_img, col_type = cells.index('image'), cells.index('type')
            col_diag = (
                cells.index('diagnosis') if ('diagnosis' in cells) else None
            )
            break
    if header is None:
        raise ConversionError(
            f'{path}: no header row with columns Image and Type in the '
            f'first 20 rows; the UDIAT sheet has columns Image, Type, '
            f'Diagnosis.'
        )
    table: Dict[str, Tuple[int, str, int, str]] = {}
    problems: List[str] = []

    def cell(row: Tuple, col: Optional[int]) -> str:
        if col is None or col >= len(row) or row[col] is None:
            return ''
        return str(row[col]).strip()

    for r, row in enumerate(rows[header + 1 :], start=header + 2):
        raw_id = row[col_img] if col_img < len(row) else None
        if raw_id is None or str(raw_id).strip() == '':
            continue
        key = normalise_id(raw_id)
        kind = cell(row, col_type).lower()
        if kind not in _TYPES:
            problems.append(
                f'{path} row {r}: Type {cell(row, col_type)!r} of image '
                f'{raw_id} is neither Benign nor Malignant; fix the cell, '
                f'{_SKIP}.'
            )
            continue
        entry = (_TYPES[kind], cell(row, col_diag), r, str(raw_id).strip())
        if key in table and table[key][0] != entry[0]:
            problems.append(
                f'{path} rows {table[key][2]} and {r}: image {raw_id} is '
                f'listed twice with different Types; keep one row.'
            )
            continue
        table.setdefault(key, entry)
    return table, problems


def _find_dir(raw: Path, name: str) -> Path:
    for d in raw.iterdir():
        if d.is_dir() and d.name.lower() == name.lower():
            return d
    raise ConversionError(
        f'{raw}: no {name}/ folder; pass the UDIAT folder holding '
        f'original/, GT/ and DatasetB.xlsx.'
    )


def _find_labels(raw: Path) -> Path:
    preferred = [
        p
        for p in raw.iterdir()
        if p.name.lower() in ('datasetb.xlsx', 'datasetb.csv')
    ]
    if preferred:
        return sorted(preferred)[0]
    found = sorted(
        p
        for p in raw.iterdir()
        if p.suffix.lower() in ('.xlsx', '.csv') and not is_system_file(p)
    )
    if len(found) == 1:
        return found[0]
    what = (
        'several candidates: ' + ', '.join(p.name for p in found)
        if found
        else 'no DatasetB.xlsx or .csv'
    )
    raise ConversionError(
        f'{raw}: {what}; pass the label sheet with --labels.'
    )


def _index(
    folder: Path, res: CollectResult, strip_gt: bool
) -> Dict[str, Path]:
    out: Dict[str, Path] = {}
    for f in sorted(folder.iterdir()):
        if is_system_file(f):
            res.skipped.append(f'{f}: operating-system file')
        elif f.is_dir():
            res.skipped.append(f'{f}: sub-folder, not read')
        elif f.suffix.lower() not in IMAGE_SUFFIXES:
            res.problems.append(
                f'{f}: not an image file (suffix {f.suffix!r}); remove it, '
                f'{_SKIP}.'
            )
        else:
            stem = _GT_SUFFIX_RE.sub('', f.stem) if strip_gt else f.stem
            out[normalise_id(stem)] = f
    return out


def collect_udiat(raw: Path, labels: Optional[Path] = None) -> CollectResult:
    """Read the UDIAT folder and label sheet into raw samples and problems.

    Args:
        raw (Path): Folder holding ``original/``, ``GT/`` and the sheet.
        labels (Path, optional): The label sheet; found in ``raw`` when
            omitted (``DatasetB.xlsx``, or the only .xlsx/.csv there).

    Returns:
        CollectResult: Samples, problems and skipped files.
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise ConversionError(
            f'{raw}: not a folder; pass the UDIAT folder holding '
            f'original/, GT/ and DatasetB.xlsx.'
        )
    img_dir, gt_dir = _find_dir(raw, 'original'), _find_dir(raw, 'GT')
    labels = Path(labels) if labels is not None else _find_labels(raw)
    if not labels.is_file():
        raise ConversionError(
            f'{labels}: label sheet not found; pass '
            f'DatasetB.xlsx or its CSV export.'
        )
    res = CollectResult()
    table, res.problems = read_udiat_labels(labels)
    images = _index(img_dir, res, strip_gt=False)
    masks = _index(gt_dir, res, strip_gt=True)
    for key, img in sorted(images.items(), key=lambda kv: kv[1].name):
        if key not in table:
            res.problems.append(
                f'{img}: no row for image {img.stem} in {labels.name}; add '
                f'a row (Image, Type, Diagnosis) or remove the image, '
                f'{_SKIP}.'
            )
            continue
        if key not in masks:
            res.problems.append(
                f'{img}: mask missing (expected {gt_dir / img.name}). Copy '
                f'the mask from the original download, {_SKIP}.'
            )
            continue
        label, diagnosis = table[key][:2]
        name = (
            f'{int(key):06d}'
            if key.isdigit()
            else re.sub(r'[^A-Za-z0-9_-]', '_', img.stem)
        )
        res.samples.append(
            RawSample(name, img, [masks[key]], label, diagnosis)
        )
    for key, (_, _, row, raw_id) in table.items():
        if key not in images:
            res.problems.append(
                f'{labels} row {row}: image {raw_id} has no file in '
                f'{img_dir}; restore the image or delete the row, {_SKIP}.'
            )
    for key, m in masks.items():
        if key not in images:
            res.problems.append(
                f'{m}: mask without an image in {img_dir}; restore the '
                f'image or delete the mask, {_SKIP}.'
            )
    return res


def convert_udiat(
    raw: Path,
    out: Path,
    *,
    labels: Optional[Path] = None,
    num_folds: int = 5,
    seed: int = 0,
    keep_conflicts: bool = False,
    skip_bad: bool = False,
    overwrite: bool = False,
    dup_threshold: int = 20,
    progress: bool = True,
    workers: int = 1,
) -> ConversionSummary:
    """Convert a downloaded UDIAT Dataset B folder into the prepared layout.

    Args:
        raw (Path): Folder holding ``original/``, ``GT/`` and the sheet.
        out (Path): The prepared folder to create (must be new or empty,
            or hold a previous conversion with ``overwrite``).
        labels (Path, optional): The label sheet (xlsx or csv); found in
            ``raw`` when omitted.
        num_folds (int): Cross-validation folds. Defaults to 5.
        seed (int): Seed of the fold assignment. Defaults to 0.
        keep_conflicts (bool): Keep duplicates whose labels differ.
        skip_bad (bool): Leave bad files out instead of failing.
        overwrite (bool): Replace a previous conversion at ``out``.
        dup_threshold (int): Max dHash distance (of 256 bits) of near
            duplicates. Defaults to 20.
        progress (bool): Show a progress bar.
        workers (int): Threads reading and writing images; the output
            does not depend on it. Defaults to 1.

    Returns:
        ConversionSummary: What was written, excluded and skipped.
    """
    raw = Path(raw)
    collected = collect_udiat(raw, labels)
    options = dict(
        labels=str(labels) if labels is not None else None,
        keep_conflicts=keep_conflicts,
        skip_bad=skip_bad,
        dup_threshold=dup_threshold,
    )
    return write_prepared(
        collected,
        out,
        source='UDIAT',
        raw_dir=raw,
        num_folds=num_folds,
        seed=seed,
        keep_conflicts=keep_conflicts,
        skip_bad=skip_bad,
        overwrite=overwrite,
        dup_threshold=dup_threshold,
        progress=progress,
        workers=workers,
        options=options,
    )
