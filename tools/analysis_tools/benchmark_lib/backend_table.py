"""Plain-text report of the backends section."""

from typing import Callable, Dict, List

from .backend_paths import INT8, ORT_FP32, PATHS, REDUCED, REFERENCE
from .grid import grid

__all__ = ['format_backends']


def _verdict(met: bool) -> str:
    return 'PASS' if met else 'FAIL'


def _path_grid(
    header: List[str],
    rows: Dict[str, Dict],
    cells: Callable[[str, Dict], List[str]],
) -> str:
    """A row per path in :data:`PATHS` order: ``cells(name, row)``, or
    SKIPPED for a path that did not run."""
    lines = []
    for name in PATHS:
        r = rows[name]
        if r.get('status') == 'skipped':
            lines.append([name, 'SKIPPED'] + ['-'] * (len(header) - 2))
        else:
            lines.append([name] + cells(name, r))
    return grid(header, lines)


def _speed_table(section: Dict) -> str:
    """One row per path: ms per image, ratio to fp32 PyTorch, verdict."""
    header = [
        'path',
        'ms/img (median)',
        'min',
        'x fp32 PyTorch',
        'paired',
        'from minima',
        f'target <= {section["target"]["limit"]:g}',
    ]
    return _path_grid(
        header,
        section['rows'],
        lambda name, r: [
            f'{r["median_ms_per_image"]:.1f}',
            f'{r["min_ms_per_image"]:.1f}',
            f'{r["ratio_vs_fp32"]:.3f}',
            f'{r["ratio_vs_fp32_paired"]:.3f}',
            f'{r["ratio_vs_fp32_minima"]:.3f}',
            _verdict(r['met']) if name in REDUCED else '',
        ],
    )


def _accuracy_lines(acc: Dict) -> List[str]:
    """The accuracy table against fp32 PyTorch and its verdicts."""
    t = acc['targets']
    header = [
        'path',
        'mask IoU vs fp32',
        'min IoU',
        'max abs p diff',
        'AUC',
        'AUC diff',
        'verdict',
    ]
    table = _path_grid(
        header,
        acc['rows'],
        lambda name, r: [
            f'{r["iou"]:.5f}',
            f'{r["min_iou"]:.5f}',
            f'{r["max_prob_diff"]:.2e}',
            'n/a' if r['auc'] is None else f'{r["auc"]:.4f}',
            'n/a' if r['auc_diff'] is None else f'{r["auc_diff"]:+.4f}',
            'reference' if name == REFERENCE else _verdict(r['met']),
        ],
    )
    return [
        f'Accuracy of {acc["checkpoint"]} ({acc["config"]}) on the first '
        f'{acc["num_images"]} test images ({acc["num_malignant"]} '
        f'malignant; AUC of p(malignant), malignant positive, '
        f'Mann-Whitney; n/a with one class only). Targets: IoU >= '
        f'{t["iou"]:g}, max |p diff| <= '
        f'{t["max_prob_diff"]:g}, |AUC diff| <= {t["auc_diff"]:g}.',
        '',
        table,
    ]


def format_backends(section: Dict) -> str:
    """The backends section as printable text.

    Args:
        section (dict): What :func:`~.backends.bench_backends` returns.

    Returns:
        str: Multi-line report (markdown tables, skip reasons, verdicts).
    """
    s = section
    h, w = s['input_size']
    loads = s['load_avg_1m_rounds'] or ['?']
    out = [
        f'Backends: {s["config"]} (random weights), {h}x{w}, batch '
        f'{s["batch_size"]}, {s["threads"]} threads for torch and ONNX '
        f'Runtime alike; median of {s["repeats"]} interleaved rounds after '
        f'{s["warmup"]} warm-up call(s) each; load average {min(loads)}-'
        f'{max(loads)} during the rounds.',
        f'Input: {s["input_note"]}.',
        '',
        _speed_table(s),
        '',
    ]
    for name in PATHS:
        if s['rows'][name]['status'] == 'skipped':
            out.append(f'{name} SKIPPED: {s["rows"][name]["reason"]}.')
    q = s['int8']
    kept = q.get('fp32') or ', '.join(q.get('fp32_scopes') or ['nothing'])
    out.append(
        f'{INT8}: {s["cpu"]["int8"]["note"]}; {q["method"]}, calibrated on '
        f'{q["calibration"]}; kept in fp32: {kept}.'
    )
    ratio = s['rows'][INT8].get('ratio_vs_ort_fp32')
    if ratio is not None:
        out.append(
            f'{INT8} / {ORT_FP32} (same runtime, ratio of medians): '
            f'{ratio:.3f}.'
        )
    target = s['target']
    if target['path'] is None:
        out.append(
            f'Target reduced path <= {target["limit"]:g}x fp32 PyTorch: '
            'FAIL (no reduced path ran).'
        )
    else:
        out.append(
            f'Target reduced path <= {target["limit"]:g}x fp32 PyTorch '
            f'(ratio of medians): {target["path"]} {target["value"]:.3f}x '
            f'{_verdict(target["met"])}.'
        )
    if s.get('accuracy'):
        out += [''] + _accuracy_lines(s['accuracy'])
    return '\n'.join(out)
