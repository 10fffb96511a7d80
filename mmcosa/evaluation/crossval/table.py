"""Side-by-side tables of several cross-validated methods and the paper.

Reads the ``summary.json`` of each work dir written by
:func:`mmcosa.apis.run_crossval` and lays them out as the paper's Table 1
(segmentation) and Table 2 (classification, benign positive), under the
published rows of the same data set (:mod:`mmcosa.evaluation.
published_results`). A test set whose data set is known (``meta.json``
``source``) is shown in the tables of that data set only: a BUSI run's
external UDIAT results appear under UDIAT's published rows. When a run has
several test sets (named test folds, external folders) a third table puts
them side by side.
"""

import json
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmcosa.evaluation.published_results import (
    PUBLISHED_CLS,
    PUBLISHED_SEG,
    RMTL_RERUN,
    canonical_dataset,
)

from .summary import (
    CLS_COLUMNS,
    DEFAULT_SET,
    MALIGNANT_COLUMNS,
    SEG_COLUMNS,
    count_folds,
    format_cell,
    set_label,
    test_sets_of,
)

__all__ = ['build_comparison', 'load_summary', 'method_label']

#: Columns of the side-by-side table of a run's test sets.
SET_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ('DSC', 'seg/DSC'),
    ('IoU', 'seg/IoU'),
    ('mIoU', 'seg/mIoU'),
    ('ACC', 'cls_paper/ACC'),
    ('AUC', 'cls_paper/AUC'),
) + MALIGNANT_COLUMNS

#: Config-name prefixes and the paper's method names (longest first).
_METHOD_PREFIXES = (
    ('mtl_cosa', 'MTL-COSA'),
    ('mtl_sa', 'MTL-SA'),
    ('mtl', 'MTL'),
    ('uresnet', 'UResNet'),
    ('resnet101', 'ResNet-101'),
    ('resnet', 'ResNet'),
    ('vgg16', 'VGG-16'),
    ('vgg', 'VGG'),
    ('lenet', 'LeNet'),
)


def method_label(name: str) -> str:
    """The paper's name of a method from a config / work dir name.

    ``mtl_cosa_r101_busi`` -> ``MTL-COSA``; unknown names are returned
    unchanged.
    """
    stem = osp.basename(osp.normpath(str(name))).lower()
    for prefix, label in _METHOD_PREFIXES:
        if re.match(rf'{prefix}(_|$)', stem):
            return label
    return str(name)


def load_summary(work_dir: str) -> Dict[str, Any]:
    """Read ``<work_dir>/summary.json``.

    Raises:
        FileNotFoundError: If it is missing, naming the command to run.
    """
    path = osp.join(work_dir, 'summary.json')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path!r} does not exist: run tools/crossval.py CONFIG '
            f'--work-dir {work_dir} first.'
        )
    with open(path) as f:
        return json.load(f)


def _num(value: Optional[float], key: str) -> str:
    if value is None:
        return ''
    return f'{value:.4g}' if key == 'AUC' else f'{value:.2f}'


def _header(columns: Sequence[str]) -> List[str]:
    return [
        '| method | source | ' + ' | '.join(columns) + ' |',
        '|---|---|' + '---|' * len(columns),
    ]


def build_comparison(
    work_dirs: Sequence[str],
    dataset: str,
    names: Optional[Sequence[str]] = None,
) -> str:
    """Markdown Tables 1 and 2 with published and measured rows.

    Args:
        work_dirs (Sequence[str]): Cross-validation work dirs.
        dataset (str): ``'busi'`` or ``'udiat'`` (``'b'``), whose published
            rows are shown.
        names (Sequence[str], optional): Method names of the work dirs.
            Defaults to the paper's name guessed from the summary's method
            (config name), see :func:`method_label`.

    Returns:
        str: The markdown text.

    Raises:
        ValueError: For an unknown data set or a names/work dirs mismatch.
        FileNotFoundError: If a work dir has no summary.
    """
    dataset = canonical_dataset(dataset)
    if names is not None and len(names) != len(work_dirs):
        raise ValueError(
            f'{len(names)} names for {len(work_dirs)} work '
            'dirs; give one name per work dir.'
        )
    summaries = [load_summary(d) for d in work_dirs]
    labels = (
        list(names)
        if names is not None
        else [
            method_label(s.get('method', d))
            for s, d in zip(summaries, work_dirs)
        ]
    )
    title = 'BUSI' if dataset == 'busi' else 'Dataset B (UDIAT)'
    lines = [
        f'## {title}: measured vs published',
        '',
        'Published rows: Xu et al., ISBI 2022 (5-fold means) and RMTL '
        '(IEEE Access 2023) re-run. Measured rows: mean ± sample std over '
        'the folds. Percent; AUC in 0-1.',
        '',
    ]

    lines += ['### Table 1: segmentation (per-image means)', '']
    lines += _rows(
        SEG_COLUMNS,
        PUBLISHED_SEG[dataset],
        RMTL_RERUN.get(dataset, {}),
        labels,
        summaries,
        dataset,
    )
    lines += [
        '',
        '### Table 2: classification (benign positive, as the paper; '
        'malignant-positive sensitivity and specificity beside)',
        '',
    ]
    lines += _rows(
        CLS_COLUMNS + MALIGNANT_COLUMNS,
        PUBLISHED_CLS[dataset],
        RMTL_RERUN.get(dataset, {}),
        labels,
        summaries,
        dataset,
        required=CLS_COLUMNS,
    )
    lines += _set_rows(labels, summaries)
    return '\n'.join(lines) + '\n'


def _source(name: str, entry: Dict[str, Any]) -> str:
    """``measured``, ``measured on udiat`` or ``measured on udiat,
    external``, with the number of folds."""
    text = 'measured' if name == DEFAULT_SET else f'measured on {name}'
    if entry.get('kind') == 'external':
        text += ', external'
    return f'{text} ({count_folds(entry["folds"])})'


def _set_rows(
    labels: Sequence[str], summaries: Sequence[Dict[str, Any]]
) -> List[str]:
    """Table 3: the test sets of each run with several, side by side."""
    rows = []
    for label, summary in zip(labels, summaries):
        sets = test_sets_of(summary)
        if len(sets) < 2:
            continue
        for name, entry in sets.items():
            cells = [
                format_cell(entry['metrics'].get(key), key)
                for _, key in SET_COLUMNS
            ]
            rows.append(
                f'| {label} | {set_label(name, entry)}, '
                f'{count_folds(entry["folds"])} | ' + ' | '.join(cells) + ' |'
            )
    if not rows:
        return []
    names = [c for c, _ in SET_COLUMNS]
    return [
        '',
        '### Table 3: test sets side by side (internal test folds and '
        'external data sets; ACC and AUC benign positive)',
        '',
        '| method | test set | ' + ' | '.join(names) + ' |',
        '|---|---|' + '---|' * len(names),
    ] + rows


def _rows(
    columns: Sequence[Tuple[str, str]],
    published: Dict[str, Dict[str, Any]],
    rmtl: Dict[str, Dict[str, Any]],
    labels: Sequence[str],
    summaries: Sequence[Dict[str, Any]],
    dataset: str,
    required: Optional[Sequence[Tuple[str, str]]] = None,
) -> List[str]:
    """Table rows, each method's measured rows under its published ones.

    A run contributes a row per test set on ``dataset`` (or on an unknown
    data set, such as the phantom).
    """
    names = [c for c, _ in columns]
    required = required or columns
    measured: Dict[str, List[str]] = {}
    for label, summary in zip(labels, summaries):
        for name, entry in test_sets_of(summary).items():
            metrics = entry['metrics']
            if entry.get('dataset') not in (None, dataset) or not any(
                key in metrics for _, key in required
            ):
                continue
            cells = [format_cell(metrics.get(key), key) for _, key in columns]
            measured.setdefault(label, []).append(
                f'| {label} | {_source(name, entry)} | '
                + ' | '.join(cells)
                + ' |'
            )
    lines = _header(names)
    order = list(published) + [m for m in rmtl if m not in published]
    order += [m for m in measured if m not in order]
    for method in order:
        for source, table in (('paper', published), ('RMTL', rmtl)):
            if method in table:
                lines.append(
                    f'| {method} | {source} | '
                    + ' | '.join(_num(table[method].get(c), c) for c in names)
                    + ' |'
                )
        lines += measured.get(method, [])
    return lines
