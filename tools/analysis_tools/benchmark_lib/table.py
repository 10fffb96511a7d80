"""Plain-text report of a benchmark result."""

from typing import Dict, List

from .backend_table import format_backends
from .grid import grid
from .report import ROWS

__all__ = ['format_report']


def _model_table(result: Dict) -> str:
    """Medians per model and ratios against MTL."""
    cuda = result['options']['device'] == 'cuda'
    header = [
        'model',
        'params (M)',
        'GFLOPs/img',
        'train step (ms)',
        'min',
        'train x MTL',
        'infer (ms/img)',
        'min',
        'infer x MTL',
        'train peak (MiB)',
        'infer peak (MiB)',
    ]
    if cuda:
        header += ['train img/s', 'infer img/s', 'train TFLOP/s']
        header += ['infer TFLOP/s']
    rows = []
    for name in ROWS:
        r, q = result['rows'][name], result['ratios'][name]
        line = [
            name,
            f'{r["params"] / 1e6:.2f}',
            f'{r["gflops"]:.1f}',
            f'{r["train_step_ms"]:.0f}',
            f'{r["train_step_min_ms"]:.0f}',
            f'{q["train_vs_mtl_paired"]:.3f}',
            f'{r["infer_ms_per_image"]:.1f}',
            f'{r["infer_min_ms_per_image"]:.1f}',
            f'{q["infer_vs_mtl_paired"]:.3f}',
            f'{r["train_peak_mib"]:.0f}',
            f'{r["infer_peak_mib"]:.0f}',
        ]
        if cuda:
            line += [
                f'{r["train_images_per_s"]:.1f}',
                f'{r["infer_images_per_s"]:.1f}',
                f'{r["train_tflops"]:.1f} '
                f'({100 * r["train_peak_fraction"]:.0f} %)',
                f'{r["infer_tflops"]:.1f} '
                f'({100 * r["infer_peak_fraction"]:.0f} %)',
            ]
        rows.append(line)
    return grid(header, rows)


def _machine_line(result: Dict) -> str:
    """Where and how it ran."""
    m, o = result['machine'], result['options']
    loads = m.get('load_avg_1m_repeats') or ['?']
    loads = f'{min(loads)}-{max(loads)}'
    gpu = f', GPU {m["gpu"]}' if m['gpu'] else ''
    amp = f', AMP {o["amp_dtype"]}' if o['amp'] else ''
    return (
        f'{m["cpu_model"]}, {m["nproc"]} CPUs, torch {m["torch"]} with '
        f'{m["torch_threads"]} threads, device {m["device"]}{gpu}{amp}'
        f'{", channels-last" if o["channels_last"] else ""}'
        f'{", fused Adam" if o.get("fused_adam") else ""}; ResNet-'
        f'{o["depth"]}, {o["size"][0]}x{o["size"][1]}, batch '
        f'{o["batch_size"]}, median of {o["repeats"]} round-robin repeats '
        f'after {o["warmup"]} warm-up; load average '
        f'{m["load_avg_1m_start"]} at start, {loads} during the repeats, '
        f'{m["load_avg_1m"]} at end'
    )


def _cpu_line(result: Dict) -> str:
    """Where the backends section ran (when it ran alone)."""
    m = result['machine']
    return (
        f'{m["cpu_model"]}, {m["nproc"]} CPUs, torch {m["torch"]} with '
        f'{m["torch_threads"]} threads; load average '
        f'{m["load_avg_1m_start"]} at start, {m["load_avg_1m"]} at end'
    )


def format_report(result: Dict) -> str:
    """The tables and the derived figures as printable text.

    Args:
        result (dict): What :func:`~.runner.run_benchmark` returns.

    Returns:
        str: Multi-line report (markdown tables): the models' section
        (unless the backends ran alone) and the backends section (when
        it ran).
    """
    out = _models_report(result) if 'rows' in result else [_cpu_line(result)]
    if result.get('backends'):
        out += ['', format_backends(result['backends'])]
    return '\n'.join(out)


def _models_report(result: Dict) -> List[str]:
    """The models' table, derived figures, targets and profile."""
    out = [_machine_line(result), '', _model_table(result), '']
    mem_kind = result['raw']['memory']['MTL']['kind']
    out.append(
        'Times: median over the repeats, and the fastest repeat (min). '
        f'x MTL: median of the per-repeat time ratios. Peak memory: '
        f'{mem_kind} above the process before the model was built '
        '(weights, gradients, Adam state, activations). GFLOPs = 2 x '
        "mmengine's multiply-adds, forward, one image."
    )
    two = result['two_model']
    out.append(
        f'MTL-COSA vs the two-model pipeline (UResNet, then the '
        f'classifier): inference {two["infer_speedup"]:.2f}x faster, '
        f'training {two["train_speedup"]:.2f}x; the FLOP counts predict '
        f'{two["flop_predicted_speedup"]:.2f}x.'
    )
    s = result['region_split']
    sync = {None: 'n/a on the CPU', True: 'yes', False: 'NO'}
    out.append(
        f'COSA region split: {s["ms"]:.2f} ms per batch '
        f'({s["ms_per_image"]:.2f} ms/image), '
        f'{100 * s["share_of_train_step"]:.2f} % of an MTL-COSA training '
        f'step; aten ops at batch 1 / {result["options"]["batch_size"]}: '
        f'{s["ops_batch_1"]} / {s["ops_batch_n"]}; free of host '
        f'synchronisation: {sync[s["host_sync_free"]]}.'
    )
    branch = result.get('cls_branch') or {}
    if branch:
        parts = [
            f'{n} {b["train_ms"]:.1f} / {b["infer_ms"]:.1f} ms, fastest '
            f'{b["train_min_ms"]:.1f} / {b["infer_min_ms"]:.1f} ms '
            f'({100 * b["min_share_of_train_step"]:.2f} % / '
            f'{100 * b["min_share_of_inference"]:.2f} % of the fastest '
            'step)'
            for n, b in branch.items()
        ]
        out.append(
            'Classification branch alone (neck + head on C5, per batch, '
            'training fwd+bwd / inference, median): ' + '; '.join(parts) + '.'
        )
    data = result.get('data_pipeline')
    if data:
        steps = ', '.join(
            f'{k} {v:.2f}' for k, v in data['ms_per_transform'].items()
        )
        out.append(
            f'Data pipeline (BUSI training pipeline, phantom files of mean '
            f'size {data["mean_size"][0]}x{data["mean_size"][1]} -> '
            f'{data["output_size"][0]}x{data["output_size"][1]}, one worker):'
            f' {data["images_per_s"]:.0f} images/s ({data["ms_per_image"]:.2f}'
            f' ms/image: {steps} ms).'
        )
        w = result['workers']
        line = (
            f'Workers needed: {w["measured_needs_workers"]} for the measured '
            f'MTL-COSA training throughput '
            f'({w["measured_train_images_per_s"]:.1f} images/s)'
        )
        if 'given_needs_workers' in w:
            line += (
                f', {w["given_needs_workers"]} for '
                f'{w["given_train_images_per_s"]:.0f} images/s'
            )
        out.append(line + '.')
    out += ['', 'Targets:']
    for name, t in result['targets'].items():
        verdict = 'met' if t['met'] else 'MISSED'
        best = ''
        if 'value_from_minima' in t:
            best = f'; from the fastest repeats {t["value_from_minima"]:.4g}'
        out.append(
            f'  {name}: {t["value"]:.4g} (target {t["op"]} '
            f'{t["limit"]:g}) {verdict}{best}'
        )
    prof = result['raw'].get('profile')
    if prof:
        for kind, rows in prof.items():
            out.append(f'Where MTL-COSA spends more than MTL ({kind}):')
            for r in rows[:8]:
                out.append(
                    f'  {r["op"]}: +{r["extra_ms"]:.1f} ms '
                    f'({r["base_ms"]:.1f} -> {r["other_ms"]:.1f}, '
                    f'{r["extra_calls"]:+d} calls)'
                )
    return out
