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
With both ``DatasetB.xlsx`` and ``DatasetB.csv`` in RAW, the xlsx is read
and the csv must agree with it on every image (Type and Diagnosis), else
the converter stops naming the differing rows; ``--labels`` names the one
sheet to read instead. The sheet read is logged and stored in
``meta.json`` (``options.labels``). A CSV sheet is read as UTF-8, else as
cp1252 (Excel on Windows) with a note in the log.

Output names are the six-digit ids (``000001.png``). Two files with one
id (``original/000003.png`` and ``original/3.png``, or two masks) are a
problem naming both; that image is not converted.
"""

import csv
import re
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from mmengine.logging import print_log

from ..metainfo import CLS_CLASSES
from .errors import ConversionError
from .image_io import IMAGE_SUFFIXES, is_system_file
from .prepare import write_prepared
from .records import CollectResult, RawSample
from .staging import check_out_outside_raw
from .summary import ConversionSummary

__all__ = [
    'normalise_id',
    'read_udiat_labels',
    'compare_label_tables',
    'collect_udiat',
    'convert_udiat',
]

_SKIP = 'or pass --skip-bad to leave it out'
#: UDIAT's ``Type`` column (lower-cased) and its label id.
_TYPES = {name: label for label, name in enumerate(CLS_CLASSES)}
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


def _read_text(path: Path) -> str:
    """Text of a CSV sheet: UTF-8 (with or without a BOM), else cp1252
    (what Excel on Windows writes for "CSV"), with a note in the log."""
    data = path.read_bytes()
    try:
        return data.decode('utf-8-sig')
    except UnicodeDecodeError as e:
        utf8_error = e
    try:
        text = data.decode('cp1252')
    except UnicodeDecodeError as e:
        raise ConversionError(
            f'{path}: neither UTF-8 nor cp1252 text (byte '
            f'0x{data[e.start]:02x} at offset {e.start}); save the sheet '
            f'as "CSV UTF-8" (Excel: Save As > CSV UTF-8) or pass the '
            f'DatasetB.xlsx with --labels.'
        ) from e
    print_log(
        f'{path}: not UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset '
        f'{utf8_error.start}); read as cp1252, the Windows Excel CSV '
        f'encoding. Save it as "CSV UTF-8" to silence this note.',
        logger='current',
    )
    return text


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
        text = _read_text(path)
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


def _label_sheets(raw: Path) -> List[Path]:
    """``DatasetB.xlsx`` and ``DatasetB.csv`` (any case, xlsx first), else
    the only .xlsx or .csv in ``raw``."""
    preferred = sorted(
        (
            p
            for p in raw.iterdir()
            if p.name.lower() in ('datasetb.xlsx', 'datasetb.csv')
        ),
        key=lambda p: (p.suffix.lower() != '.xlsx', p.name),
    )
    if preferred:
        return preferred
    found = sorted(
        p
        for p in raw.iterdir()
        if p.suffix.lower() in ('.xlsx', '.csv') and not is_system_file(p)
    )
    if len(found) == 1:
        return found
    what = (
        'several candidates: ' + ', '.join(p.name for p in found)
        if found
        else 'no DatasetB.xlsx or .csv'
    )
    raise ConversionError(
        f'{raw}: {what}; pass the label sheet with --labels.'
    )


def _describe(entry: Tuple[int, str, int, str], sheet: Path) -> str:
    label, diagnosis, row = entry[:3]
    kind = CLS_CLASSES[label].capitalize()  # as the sheet spells it
    return f'{sheet.name} row {row} says {kind}/{diagnosis or "-"}'


def compare_label_tables(
    sheets: Tuple[Path, Path],
    tables: Tuple[Dict[str, tuple], Dict[str, tuple]],
) -> List[str]:
    """The images two label sheets disagree on, one message per image.

    Args:
        sheets (tuple[Path, Path]): The two sheet files.
        tables (tuple[dict, dict]): Their tables from
            :func:`read_udiat_labels`.

    Returns:
        list[str]: ``'image 000003: DatasetB.xlsx row 4 says Benign/FA,
        DatasetB.csv row 4 says Malignant/IDC'`` per differing image
        (Type, Diagnosis, or a row missing from one sheet), by id.
    """
    (a, b), (ta, tb) = sheets, tables
    diffs = []

    def order(key: str) -> tuple:
        return (not key.isdigit(), int(key) if key.isdigit() else 0, key)

    for key in sorted(set(ta) | set(tb), key=order):
        ea, eb = ta.get(key), tb.get(key)
        if ea is not None and eb is not None and ea[:2] == eb[:2]:
            continue
        shown = (ea or eb)[3]
        left = _describe(ea, a) if ea else f'{a.name} has no valid row'
        right = _describe(eb, b) if eb else f'{b.name} has no valid row'
        diffs.append(f'image {shown}: {left}, {right}')
    return diffs


def _choose_labels(
    raw: Path, labels: Optional[Path], res: CollectResult
) -> Tuple[Path, Dict[str, tuple]]:
    """Read the label sheet; with two in ``raw`` they must agree."""
    sheets = [Path(labels)] if labels is not None else _label_sheets(raw)
    if not sheets[0].is_file():
        raise ConversionError(
            f'{sheets[0]}: label sheet not found; pass '
            f'DatasetB.xlsx or its CSV export.'
        )
    table, res.problems = read_udiat_labels(sheets[0])
    for other in sheets[1:]:
        diffs = compare_label_tables(
            (sheets[0], other), (table, read_udiat_labels(other)[0])
        )
        if diffs:
            fix = (
                f'Fix the wrong sheet or delete it, or name the one to use '
                f'with --labels {sheets[0]} (or --labels {other}).'
            )
            what = f'{raw}: {sheets[0].name} and {other.name} disagree'
            if len(diffs) == 1:
                raise ConversionError(f'{what} on {diffs[0]}. {fix}')
            more = len(diffs) - 20
            raise ConversionError(
                diffs[:20] + ([f'... and {more} more'] if more > 0 else []),
                f'{what} on {len(diffs)} images (listed above). {fix}',
            )
    chosen_by = '--labels' if labels is not None else 'found in RAW'
    res.provenance = dict(
        labels=str(sheets[0].absolute()),
        labels_chosen_by=chosen_by,
        labels_agree_with=[p.name for p in sheets[1:]],
    )
    agree = (
        f'; {", ".join(p.name for p in sheets[1:])} agrees on all '
        f'{len(table)} images'
        if len(sheets) > 1
        else ''
    )
    print_log(
        f'labels: read from {sheets[0]} ({chosen_by}{agree}).',
        logger='current',
    )
    return sheets[0], table


def _index(
    folder: Path, res: CollectResult, strip_gt: bool
) -> Tuple[Dict[str, Path], Set[str]]:
    """Files of ``folder`` by image id, and the ids claimed by several."""
    found: Dict[str, List[Path]] = {}
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
            found.setdefault(normalise_id(stem), []).append(f)
    what = 'masks' if strip_gt else 'images'
    collided = set()
    for key, files in found.items():
        if len(files) > 1:
            collided.add(key)
            res.problems.append(
                f'{" and ".join(str(f) for f in files)}: {len(files)} '
                f'{what} for image id {key} (ids are matched by value: '
                f'000003 = 3), so which one is meant is unknown and image '
                f'{key} is not converted. Delete or rename all but one, or '
                f'pass --skip-bad to leave the image out.'
            )
    return {k: v[0] for k, v in found.items() if k not in collided}, collided


def collect_udiat(raw: Path, labels: Optional[Path] = None) -> CollectResult:
    """Read the UDIAT folder and label sheet into raw samples and problems.

    Args:
        raw (Path): Folder holding ``original/``, ``GT/`` and the sheet.
        labels (Path, optional): The label sheet; found in ``raw`` when
            omitted (``DatasetB.xlsx`` and/or ``DatasetB.csv``, which must
            then agree, or the only .xlsx/.csv there).

    Returns:
        CollectResult: Samples, problems, skipped files and, in
        ``provenance``, the sheet read.

    Raises:
        ConversionError: If a folder or the sheet is missing or unreadable,
            or the two sheets disagree.
    """
    raw = Path(raw)
    if not raw.is_dir():
        raise ConversionError(
            f'{raw}: not a folder; pass the UDIAT folder holding '
            f'original/, GT/ and DatasetB.xlsx.'
        )
    img_dir, gt_dir = _find_dir(raw, 'original'), _find_dir(raw, 'GT')
    res = CollectResult()
    labels, table = _choose_labels(raw, labels, res)
    images, img_collided = _index(img_dir, res, strip_gt=False)
    masks, mask_collided = _index(gt_dir, res, strip_gt=True)
    names: Dict[str, Path] = {}
    for key, img in sorted(images.items(), key=lambda kv: kv[1].name):
        if key in mask_collided:
            continue
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
        if name in names:
            res.problems.append(
                f'{img}: output name {name}.png is also that of '
                f'{names[name]}; rename one of them, {_SKIP}.'
            )
            continue
        names[name] = img
        res.samples.append(
            RawSample(name, img, [masks[key]], label, diagnosis)
        )
    for key, (_, _, row, raw_id) in table.items():
        if key not in images and key not in img_collided:
            res.problems.append(
                f'{labels} row {row}: image {raw_id} has no file in '
                f'{img_dir}; restore the image or delete the row, {_SKIP}.'
            )
    for key, m in masks.items():
        if key not in images and key not in img_collided:
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
    dedup: str = 'full',
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
        dedup (str): Duplicate search: ``'full'`` (every kind: same frame
            and same lesion; the default), ``'hash'`` or ``'none'``; see
            :func:`~mmcosa.datasets.converters.write_prepared`.
        dup_threshold (int): ``'hash'`` mode: max dHash distance (of 256
            bits) of near duplicates. Defaults to 20.
        progress (bool): Show a progress bar.
        workers (int): Threads reading and writing images; the output
            does not depend on it. Defaults to 1.

    Returns:
        ConversionSummary: What was written, excluded and skipped.
    """
    raw = Path(raw)
    check_out_outside_raw(out, raw)
    collected = collect_udiat(raw, labels)
    options = dict(
        **collected.provenance,
        keep_conflicts=keep_conflicts,
        skip_bad=skip_bad,
        dedup=dedup,
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
        dedup=dedup,
        dup_threshold=dup_threshold,
        progress=progress,
        workers=workers,
        options=options,
    )
