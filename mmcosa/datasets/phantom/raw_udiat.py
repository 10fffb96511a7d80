"""Write phantom cases in the layout of the downloaded UDIAT Dataset B.

``OUT/original/000001.png`` (greyscale), ``OUT/GT/000001.png`` (0/255
mask) and ``OUT/DatasetB.xlsx`` with columns ``Image``, ``Type``
(``Benign`` / ``Malignant``), ``Diagnosis``, then an empty column and a
legend of the diagnosis codes to the right (not data), as in the real sheet
(docs/en/dataset_prepare.md). Optionally ``DatasetB.csv``, a CSV export of
the sheet. The last image is a pixel-identical copy (re-encoded, so the
bytes differ) of an earlier image of the same class.
"""

import csv
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np
from openpyxl import Workbook
from PIL import Image

from ..metainfo import CLS_CLASSES
from .generator import render_case

__all__ = ['UDIAT_LEGEND', 'write_udiat_raw']

STREAM_UDIAT = 2
UDIAT_LEGEND = (
    ('CYST', 'Cyst'),
    ('FA', 'Fibroadenoma'),
    ('LN', 'Lymph node'),
    ('PAP', 'Papilloma'),
    ('IDC', 'Invasive ductal carcinoma'),
    ('DCIS', 'Ductal carcinoma in situ'),
    ('ILC', 'Invasive lobular carcinoma'),
    ('UNK', 'Unknown'),
)
BENIGN_DX = ('FA', 'FA', 'FA', 'LN', 'PAP', 'UNK')
MALIGNANT_DX = ('IDC', 'IDC', 'IDC', 'DCIS', 'ILC', 'UNK')
HEADER = ('Image', 'Type', 'Diagnosis', None, 'Legend', 'Meaning')


def _sheet_rows(rows: List[Tuple[str, str, str]]) -> List[list]:
    """Data rows with the legend in columns E:F of the first rows."""
    n = max(len(rows), len(UDIAT_LEGEND))
    out = []
    for i in range(n):
        data = list(rows[i]) if i < len(rows) else [None] * 3
        legend = list(UDIAT_LEGEND[i]) if i < len(UDIAT_LEGEND) else [None] * 2
        out.append(data + [None] + legend)
    return out


def write_udiat_raw(
    root: Path,
    num: int = 40,
    seed: int = 0,
    size_range: Tuple[Tuple[int, int], Tuple[int, int]] = (
        (200, 300),
        (280, 400),
    ),
    p_atypical: float = 0.15,
    write_csv: bool = False,
) -> Dict:
    """Write a UDIAT-layout folder into ``root`` (which must exist).

    Args:
        root (Path): Existing empty folder.
        num (int): Number of images (>= 6), the duplicate included.
        seed (int): Seed.
        size_range (tuple): ``((h_min, h_max), (w_min, w_max))`` of images.
        p_atypical (float): Probability of an atypical lesion.
        write_csv (bool): Also write ``DatasetB.csv``. Defaults to False.

    Returns:
        dict: Manifest: ``root``, ``layout``, ``counts`` (per class),
        ``files`` (one dict per image: ``path``, ``mask``, ``label``,
        ``type``, ``diagnosis``, ``size``, ``kind``, ``source``),
        ``exact_duplicates`` (pixel-identical groups of image paths).
    """
    root = Path(root)
    (root / 'original').mkdir()
    (root / 'GT').mkdir()
    n_mal = max(2, round(num * 54 / 163))
    labels = [0] * (num - 1 - n_mal) + [1] * n_mal
    order = np.random.default_rng([seed, STREAM_UDIAT]).permutation(labels)
    files, rows = [], []
    for k, label in enumerate(order.tolist(), 1):
        rng = np.random.default_rng([seed, STREAM_UDIAT, k])
        hw = (
            int(rng.integers(*size_range[0], endpoint=True)),
            int(rng.integers(*size_range[1], endpoint=True)),
        )
        img, masks, meta = render_case(rng, label, hw, 1, p_atypical)
        if meta[0]['kind'] == 'cyst':
            dx = 'CYST'
        else:
            dx = rng.choice(MALIGNANT_DX if label else BENIGN_DX)
        files.append(_write_case(root, k, img, masks[0], label, str(dx)))
    # a pixel-identical pair within a class: re-encode an earlier image
    src = files[1]
    k = num
    img = cv2.imread(str(root / src['path']), cv2.IMREAD_UNCHANGED)
    mask = cv2.imread(str(root / src['mask']), cv2.IMREAD_UNCHANGED) // 255
    dup = _write_case(
        root, k, img, mask, src['label'], src['diagnosis'], compress=1
    )
    dup.update(kind='pixel-identical duplicate', source=src['path'])
    files.append(dup)
    for f in files:
        rows.append((Path(f['path']).stem, f['type'], f['diagnosis']))
    wb = Workbook()
    ws = wb.active
    ws.title = 'Dataset B'
    ws.append(list(HEADER))
    for row in _sheet_rows(rows):
        ws.append(row)
    wb.save(root / 'DatasetB.xlsx')
    if write_csv:
        with open(
            root / 'DatasetB.csv', 'w', newline='', encoding='utf-8'
        ) as fh:
            writer = csv.writer(fh)
            writer.writerow(['' if v is None else v for v in HEADER])
            for row in _sheet_rows(rows):
                writer.writerow(['' if v is None else v for v in row])
    return dict(
        root=str(root),
        layout='udiat',
        counts=dict(
            benign=sum(f['label'] == 0 for f in files),
            malignant=sum(f['label'] == 1 for f in files),
        ),
        files=files,
        exact_duplicates=[[src['path'], dup['path']]],
    )


def _write_case(
    root: Path,
    k: int,
    img: np.ndarray,
    mask: np.ndarray,
    label: int,
    diagnosis: str,
    compress: int = 6,
) -> Dict:
    name = f'{k:06d}.png'
    Image.fromarray(img, 'L').save(
        root / 'original' / name, compress_level=compress
    )
    Image.fromarray(mask.astype(np.uint8) * 255, 'L').save(
        root / 'GT' / name, compress_level=compress
    )
    return dict(
        path=f'original/{name}',
        mask=f'GT/{name}',
        label=int(label),
        type=CLS_CLASSES[label].capitalize(),  # as DatasetB.xlsx spells it
        diagnosis=diagnosis,
        size=img.shape[:2],
        kind='case',
        source=None,
    )
