"""Mean and std over cross-validation folds, in the paper's layout.

A run may test each fold on several test sets (the test fold, named test
folds, external folders, see :mod:`mmcosa.apis.crossval_sets`);
:func:`summarise_run` summarises each and :func:`write_summary_md` lays
them out side by side.
"""

import math
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmcosa.datasets.metainfo import BENIGN_LABEL, CLS_CLASSES, MALIGNANT_LABEL

__all__ = [
    'CLS_COLUMNS',
    'DEFAULT_SET',
    'SEG_COLUMNS',
    'SIDE_BY_SIDE_ROWS',
    'count_folds',
    'format_cell',
    'mean_roc',
    'set_label',
    'summarise_folds',
    'summarise_run',
    'test_sets_of',
    'write_summary_md',
]

#: Name of the test set of a config with one ``test_dataloader``.
DEFAULT_SET = 'internal'
#: Paper Table 1 columns (label, summary key); IoU (tumour) added (RMTL).
SEG_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ('TPR', 'seg/TPR'),
    ('FPR', 'seg/FPR'),
    ('mIoU', 'seg/mIoU'),
    ('DSC', 'seg/DSC'),
    ('AER', 'seg/AER'),
    ('IoU', 'seg/IoU'),
)
#: Paper Table 2 columns, benign positive (the paper's convention).
CLS_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ('TPR', 'cls_paper/TPR'),
    ('FPR', 'cls_paper/FPR'),
    ('ACC', 'cls_paper/ACC'),
    ('PRE', 'cls_paper/PRE'),
    ('F1', 'cls_paper/F1'),
    ('AUC', 'cls_paper/AUC'),
)
#: Malignant-positive columns reported beside Table 2.
MALIGNANT_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ('Sens. (mal.)', 'cls_malignant/TPR'),
    ('Spec. (mal.)', 'cls_malignant/specificity'),
)
#: Rows of the side-by-side table of test sets (label, summary key).
SIDE_BY_SIDE_ROWS: Tuple[Tuple[str, str], ...] = (
    ('test images per fold', 'seg/num_images'),
    ('test samples per fold (cls)', 'cls/num_samples'),
    ('seg TPR', 'seg/TPR'),
    ('seg FPR', 'seg/FPR'),
    ('mIoU', 'seg/mIoU'),
    ('DSC', 'seg/DSC'),
    ('AER', 'seg/AER'),
    ('IoU (tumour)', 'seg/IoU'),
    ('cls TPR (benign pos.)', 'cls_paper/TPR'),
    ('cls FPR (benign pos.)', 'cls_paper/FPR'),
    ('ACC', 'cls_paper/ACC'),
    ('PRE (benign pos.)', 'cls_paper/PRE'),
    ('F1 (benign pos.)', 'cls_paper/F1'),
    ('AUC', 'cls_paper/AUC'),
) + MALIGNANT_COLUMNS
#: Key prefix and positive label of each classification convention: the
#: paper's (benign positive) and the clinical one (malignant positive).
_CONVENTIONS = (
    ('cls_paper', BENIGN_LABEL),
    ('cls_malignant', MALIGNANT_LABEL),
)
#: Image counts among the side-by-side rows.
COUNT_KEYS = ('seg/num_images', 'cls/num_samples')


def _stats(values: Sequence[float]) -> Dict[str, Any]:
    arr = np.asarray([v for v in values if v is not None], dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    mean = float(finite.mean()) if finite.size else float('nan')
    std = float(finite.std(ddof=1)) if finite.size > 1 else 0.0
    return dict(mean=mean, std=std, values=[float(v) for v in arr])


def mean_roc(
    curves: List[Dict[str, Any]], num_points: int = 101
) -> Dict[str, Any]:
    """Vertical average of ROC curves on a common false-positive grid.

    Args:
        curves (list[dict]): Per-fold ``fpr``, ``tpr`` lists and ``auc``.
        num_points (int): Grid size on [0, 1]. Defaults to 101.

    Returns:
        dict: ``fpr``, ``tpr`` (mean curve), ``auc_mean``, ``auc_std``
        (over folds, sample std) and ``auc_of_mean`` (area under the mean
        curve).
    """
    grid = np.linspace(0, 1, num_points)
    tprs = []
    for curve in curves:
        fpr = np.asarray(curve['fpr'], dtype=np.float64)
        tpr = np.asarray(curve['tpr'], dtype=np.float64)
        if (
            fpr.size < 2
            or not np.isfinite(fpr).all()
            or not np.isfinite(tpr).all()
        ):
            continue
        # On a vertical step take the highest TPR reached at that FPR.
        interp = np.interp(grid, fpr, tpr, left=0.0, right=1.0)
        for idx, x in enumerate(grid):
            hit = tpr[fpr == x]
            if hit.size:
                interp[idx] = hit.max()
        tprs.append(interp)
    aucs = _stats([c.get('auc', float('nan')) for c in curves])
    if not tprs:
        return dict(
            fpr=[],
            tpr=[],
            auc_mean=aucs['mean'],
            auc_std=aucs['std'],
            auc_of_mean=float('nan'),
        )
    mean_tpr = np.mean(tprs, axis=0)
    mean_tpr[-1] = 1.0
    curve_fpr = np.r_[0.0, grid]
    curve_tpr = np.r_[0.0, mean_tpr]
    return dict(
        fpr=curve_fpr.tolist(),
        tpr=curve_tpr.tolist(),
        auc_mean=aucs['mean'],
        auc_std=aucs['std'],
        auc_of_mean=float(np.trapezoid(curve_tpr, curve_fpr)),
    )


def summarise_folds(
    results: List[Dict[str, Any]], method: str, config: Optional[str] = None
) -> Dict[str, Any]:
    """Mean and std of every metric over the folds, and the ROC curves.

    Classification metrics are recomputed from each fold's saved class
    scores for both conventions: ``cls_paper/*`` (benign positive, the
    paper's tables) and ``cls_malignant/*`` (malignant positive, with
    ``specificity``). The std is the sample std (``ddof=1``) over folds.

    Args:
        results (list[dict]): Fold results (``fold``, ``metrics``,
            optionally ``cls_scores``) as written by ``run_fold``.
        method (str): Method name for the tables.
        config (str, optional): Config path, recorded.

    Returns:
        dict: ``method``, ``config``, ``folds``, ``metrics`` (key ->
        ``mean``, ``std``, ``values``) and ``roc`` (``positive_class``,
        per-fold curves, mean curve) when class scores exist.
    """
    from mmcosa.evaluation import BUSClsMetric

    per_key: Dict[str, List[float]] = OrderedDict()
    curves = []
    for result in results:
        flat = dict(result['metrics'])
        scores = result.get('cls_scores')
        if scores:
            for prefix, positive in _CONVENTIONS:
                values, roc = BUSClsMetric.summarise(
                    scores['probs'],
                    scores['gt_label'],
                    scores['pred_label'],
                    positive,
                )
                for key in ('TPR', 'FPR', 'ACC', 'PRE', 'F1', 'AUC'):
                    flat[f'{prefix}/{key}'] = values[key]
                flat[f'{prefix}/specificity'] = 100 - values['FPR']
                if positive == BENIGN_LABEL:
                    curves.append(dict(fold=result['fold'], **roc))
        for key, value in flat.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                per_key.setdefault(key, []).append(value)
    summary: Dict[str, Any] = OrderedDict(
        method=method,
        config=config,
        folds=[r['fold'] for r in results],
        metrics=OrderedDict((k, _stats(v)) for k, v in per_key.items()),
    )
    if curves:
        summary['roc'] = dict(
            positive_class=CLS_CLASSES[BENIGN_LABEL],
            folds=curves,
            mean=mean_roc(curves),
        )
    return summary


def summarise_run(
    sets: Sequence[Tuple[str, Dict[str, Any], List[Dict[str, Any]]]],
    method: str,
    config: Optional[str] = None,
    run: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Summaries of every test set of a run, the first one also on top.

    Args:
        sets (Sequence[tuple]): ``(name, info, results)`` per test set,
            the test fold first; ``info`` holds ``kind`` (``'internal'`` /
            ``'external'``), ``data_root`` and ``dataset``; ``results`` are
            its fold results as written by ``run_fold``.
        method (str): Method name for the tables.
        config (str, optional): Config path, recorded.
        run (dict, optional): The run's record (``num_folds``,
            ``cfg_options``, ``config_sha256``, ``data``, ``external``;
            see :mod:`mmcosa.apis.crossval_record`), copied in.

    Returns:
        dict: ``method``, ``config``, ``num_folds``, ``cfg_options``,
        ``config_sha256``, ``data_sha256`` (data root -> split hash),
        ``folds`` / ``metrics`` / ``roc`` of the first set (as
        :func:`summarise_folds`), and ``test_sets``: name -> ``kind``,
        ``data_root``, ``dataset``, ``folds``, ``metrics``, ``roc``.

    Raises:
        ValueError: If no test set has a finished fold.
    """
    sets = [entry for entry in sets if entry[2]]
    if not sets:
        raise ValueError(
            'no finished fold to summarise (no fold_<k>/test_metrics*.json).'
        )
    run = run or {}
    test_sets: Dict[str, Any] = OrderedDict()
    for name, info, results in sets:
        one = summarise_folds(results, method=method, config=config)
        entry = OrderedDict(info)
        entry.update(folds=one['folds'], metrics=one['metrics'])
        if 'roc' in one:
            entry['roc'] = one['roc']
        test_sets[name] = entry
    first = next(iter(test_sets.values()))
    data = dict(run.get('data') or {})
    for ext in (run.get('external') or {}).values():
        data[ext['data_root']] = ext['sha256']
    summary: Dict[str, Any] = OrderedDict(
        method=method,
        config=config,
        num_folds=run.get('num_folds'),
        cfg_options=run.get('cfg_options'),
        config_sha256=run.get('config_sha256'),
        data_sha256=data,
        folds=first['folds'],
        metrics=first['metrics'],
    )
    if 'roc' in first:
        summary['roc'] = first['roc']
    summary['test_sets'] = test_sets
    return summary


def test_sets_of(summary: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """``summary['test_sets']``, or the one set of a summary without it
    (:func:`summarise_folds`, older runs)."""
    if summary.get('test_sets'):
        return summary['test_sets']
    entry = dict(
        kind='internal',
        data_root=None,
        dataset=None,
        folds=summary['folds'],
        metrics=summary['metrics'],
    )
    if summary.get('roc'):
        entry['roc'] = summary['roc']
    return OrderedDict([(DEFAULT_SET, entry)])


def count_folds(folds: Sequence[int]) -> str:
    """``'1 fold'``, ``'5 folds'``."""
    return f'{len(folds)} fold' + ('' if len(folds) == 1 else 's')


def set_label(name: str, entry: Dict[str, Any]) -> str:
    """``'internal (test fold)'``, ``'udiat (test fold)'`` or
    ``'udiat (external, all images)'``."""
    if entry.get('kind') == 'external':
        return f'{name} (external, all images)'
    return f'{name} (test fold)'


def format_cell(stats: Optional[Dict[str, Any]], key: str = '') -> str:
    """``mean ± std`` text of one summary entry ('-' when missing)."""
    if (
        not stats
        or stats.get('mean') is None
        or (isinstance(stats['mean'], float) and math.isnan(stats['mean']))
    ):
        return '-'
    digits = 3 if key.endswith('AUC') else 2
    return f'{stats["mean"]:.{digits}f} ± {stats["std"]:.{digits}f}'


def _table(
    title: str, columns: Sequence[Tuple[str, str]], summary: Dict[str, Any]
) -> List[str]:
    metrics = summary['metrics']
    if not any(key in metrics for _, key in columns):
        return []
    lines = [
        f'### {title}',
        '',
        '| method | ' + ' | '.join(c for c, _ in columns) + ' |',
        '|---|' + '---|' * len(columns),
    ]
    cells = [format_cell(metrics.get(key), key) for _, key in columns]
    lines.append(f'| {summary["method"]} | ' + ' | '.join(cells) + ' |')
    return lines + ['']


def _set_tables(summary: Dict[str, Any]) -> List[str]:
    """The paper's tables and every metric per fold, for one test set."""
    lines = _table(
        'Segmentation (paper Table 1 layout; per-image means)',
        SEG_COLUMNS,
        summary,
    )
    pooled = tuple(
        (c, k.replace('seg/', 'seg/pooled/')) for c, k in SEG_COLUMNS
    )
    lines += _table(
        'Segmentation, pooled over each test fold', pooled, summary
    )
    lines += _table(
        'Classification (paper Table 2 layout; benign positive, as the paper)',
        CLS_COLUMNS + MALIGNANT_COLUMNS,
        summary,
    )
    n = len(summary['folds'])
    lines += [
        '### Every metric',
        '',
        '| metric | mean ± std | '
        + ' | '.join(f'fold {k}' for k in summary['folds'])
        + ' |',
        '|---|---|' + '---|' * n,
    ]
    for key, stats in summary['metrics'].items():
        values = ' | '.join(f'{v:.4g}' for v in stats['values'])
        lines.append(f'| {key} | {format_cell(stats, key)} | {values} |')
    roc = summary.get('roc')
    if roc:
        mean = roc['mean']
        lines += [
            '',
            f'ROC ({roc["positive_class"]} positive): AUC '
            f'{mean["auc_mean"]:.3f} ± {mean["auc_std"]:.3f} over '
            f'folds, {mean["auc_of_mean"]:.3f} under the mean curve '
            f'(`{summary.get("roc_file", "roc.png")}`).',
        ]
    return lines


def _side_by_side(sets: Dict[str, Dict[str, Any]]) -> List[str]:
    """Rows = metrics, columns = test sets."""
    heads = [
        f'{set_label(name, e)}, {count_folds(e["folds"])}'
        for name, e in sets.items()
    ]
    lines = [
        '## Test sets side by side',
        '',
        '| metric | ' + ' | '.join(heads) + ' |',
        '|---|' + '---|' * len(heads),
    ]
    for label, key in SIDE_BY_SIDE_ROWS:
        cells = [
            _count_cell(entry['metrics'].get(key))
            if key in COUNT_KEYS
            else format_cell(entry['metrics'].get(key), key)
            for entry in sets.values()
        ]
        if any(cell != '-' for cell in cells):
            lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    return lines + ['']


def _count_cell(stats: Optional[Dict[str, Any]]) -> str:
    """Image counts per fold: ``'8'`` when equal, else ``'11-12'``."""
    values = (stats or {}).get('values') or []
    if not values:
        return '-'
    low, high = int(min(values)), int(max(values))
    return str(low) if low == high else f'{low}-{high}'


def write_summary_md(summary: Dict[str, Any]) -> str:
    """Markdown report: the paper's tables, then every metric per fold.

    With several test sets (named test folds, external folders) a table
    of the sets side by side comes first, then each set's tables.

    Args:
        summary (dict): Output of :func:`summarise_run` (or
            :func:`summarise_folds`).

    Returns:
        str: The markdown text.
    """
    sets = test_sets_of(summary)
    num_folds = summary.get('num_folds') or len(summary['folds'])
    lines = [
        f'# {summary["method"]}: {num_folds}-fold cross-validation',
        '',
        f'Config: `{summary.get("config")}`; folds finished: '
        f'{summary["folds"]} of {num_folds}. Cells are mean ± sample std '
        'over the folds, in percent (AUC in 0-1).',
        '',
    ]
    if summary.get('cfg_options') is not None:
        lines += [f'Options: `{summary["cfg_options"] or {}}`.', '']
    if summary.get('data_sha256'):
        lines += [
            'Prepared splits (SHA-256 of labels.csv and splits/): '
            + ', '.join(
                f'`{root}` {digest[:12]}'
                for root, digest in summary['data_sha256'].items()
            )
            + '.',
            '',
        ]
    if len(sets) == 1:
        return '\n'.join(lines + _set_tables(summary)) + '\n'
    lines += _side_by_side(sets)
    for index, (name, entry) in enumerate(sets.items()):
        where = f', {entry["data_root"]}' if entry.get('data_root') else ''
        lines += [f'## Test set: {set_label(name, entry)}{where}', '']
        one = dict(
            entry,
            method=summary['method'],
            roc_file='roc.png' if index == 0 else f'roc_{name}.png',
        )
        lines += _set_tables(one) + ['']
    return '\n'.join(lines).rstrip('\n') + '\n'
