"""Turn the raw timings into the benchmark's figures and its table."""

import math
from typing import Dict, List, Optional, Sequence

from .models import CLASSIFIER, SEGMENTORS
from .timing import median

__all__ = ['TWO_MODEL', 'summarise']

#: The row of UResNet and the classifier run one after the other.
TWO_MODEL = 'two-model'
ROWS = SEGMENTORS + (CLASSIFIER, TWO_MODEL)


def _paired(values: Sequence[float], ref: Sequence[float]) -> float:
    """Median of the per-repeat ratios (robust to load drift, since each
    repeat ran both within seconds of each other)."""
    return median([v / r for v, r in zip(values, ref)])


def _target(
    value: float, limit: float, op: str, best: Optional[float] = None
) -> Dict:
    """A target with its verdict; ``best`` is the same figure from the
    fastest repeats (ratio of minima), reported beside it."""
    met = value <= limit if op == '<=' else value >= limit
    out = dict(value=value, limit=limit, op=op, met=bool(met))
    if best is not None:
        out['value_from_minima'] = best
    return out


def _ratio_of_minima(values: Sequence[float], ref: Sequence[float]) -> float:
    """Ratio of the fastest runs: least affected by other processes."""
    return min(values) / min(ref)


def _row(
    times: Dict[str, List[float]],
    complexity: Dict,
    memory: Dict,
    batch: int,
    peak_tflops: float,
) -> Dict:
    """One model's figures (ms, images/s, TFLOP/s, MiB, counts)."""
    train, infer = median(times['train']), median(times['infer'])
    gflops = complexity['gflops']
    train_tflops = 3 * gflops * batch / train / 1e3  # fwd + 2x for bwd
    infer_tflops = gflops * batch / infer / 1e3
    return dict(
        params=complexity['params'],
        gmacs=complexity['gmacs'],
        gflops=gflops,
        train_step_ms=1e3 * train,
        train_step_min_ms=1e3 * min(times['train']),
        train_ms_per_image=1e3 * train / batch,
        train_images_per_s=batch / train,
        infer_ms_per_image=1e3 * infer / batch,
        infer_min_ms_per_image=1e3 * min(times['infer']) / batch,
        infer_images_per_s=batch / infer,
        train_tflops=train_tflops,
        infer_tflops=infer_tflops,
        train_peak_fraction=train_tflops / peak_tflops,
        infer_peak_fraction=infer_tflops / peak_tflops,
        weights_mib=memory['weights_mib'],
        train_state_mib=memory['train_state_mib'],
        train_peak_mib=memory['train_peak_mib'],
        infer_peak_mib=memory['infer_peak_mib'],
    )


def _two_model(raw: Dict) -> Dict:
    """Times and complexity of UResNet + classifier, one after the other
    (the classifier ran right after UResNet in every repeat)."""
    times = {
        kind: [
            a + b
            for a, b in zip(
                raw['times']['UResNet'][kind], raw['times'][CLASSIFIER][kind]
            )
        ]
        for kind in ('train', 'infer')
    }
    seg, cls = raw['complexity']['UResNet'], raw['complexity'][CLASSIFIER]
    complexity = {k: seg[k] + cls[k] for k in ('params', 'gmacs', 'gflops')}
    return dict(times=times, complexity=complexity)


def summarise(raw: Dict, opts) -> Dict:
    """The figures of a run.

    Args:
        raw (dict): ``times`` (model -> ``train`` / ``infer`` seconds per
            batch, per repeat), ``memory``, ``complexity``,
            ``region_split``, ``data_pipeline`` (or None).
        opts (BenchmarkOptions): The run's settings.

    Returns:
        dict: ``rows`` (model -> figures, medians), ``ratios`` (model ->
        ``train`` / ``infer`` against MTL, medians' ratio and paired),
        ``two_model`` (speed-up of MTL-COSA, measured and predicted by the
        FLOP counts), ``region_split``, ``cls_branch`` (the branch alone:
        ms and share of the model's step), ``data_pipeline``, ``workers``
        (dataloader workers a training throughput needs) and ``targets``
        (each ``value``, ``limit``, ``op``, ``met``).
    """
    two = _two_model(raw)
    times = dict(raw['times'], **{TWO_MODEL: two['times']})
    complexity = dict(raw['complexity'], **{TWO_MODEL: two['complexity']})
    batch = opts.batch_size
    rows = {
        n: _row(
            times[n], complexity[n], raw['memory'][n], batch, opts.peak_tflops
        )
        for n in ROWS
    }
    ratios = {
        n: {
            f'{kind}_vs_mtl': median(times[n][kind])
            / median(times['MTL'][kind])
            for kind in ('train', 'infer')
        }
        for n in ROWS
    }
    for n in ROWS:
        for kind in ('train', 'infer'):
            ratios[n][f'{kind}_vs_mtl_paired'] = _paired(
                times[n][kind], times['MTL'][kind]
            )
            ratios[n][f'{kind}_vs_mtl_minima'] = _ratio_of_minima(
                times[n][kind], times['MTL'][kind]
            )
    cosa = times['MTL-COSA']
    two_model = dict(
        infer_speedup=_paired(two['times']['infer'], cosa['infer']),
        train_speedup=_paired(two['times']['train'], cosa['train']),
        flop_predicted_speedup=two['complexity']['gmacs']
        / complexity['MTL-COSA']['gmacs'],
    )
    split = dict(raw['region_split'])
    split['share_of_train_step'] = (
        split['ms'] / rows['MTL-COSA']['train_step_ms']
    )
    branch = {}
    for name, figures in (raw.get('cls_branch') or {}).items():
        branch[name] = dict(
            figures,
            share_of_train_step=figures['train_ms']
            / rows[name]['train_step_ms'],
            share_of_inference=figures['infer_ms']
            / (rows[name]['infer_ms_per_image'] * batch),
            min_share_of_train_step=figures['train_min_ms']
            / rows[name]['train_step_min_ms'],
            min_share_of_inference=figures['infer_min_ms']
            / (rows[name]['infer_min_ms_per_image'] * batch),
        )

    def vs(ref: str, kind: str, limit: float) -> Dict:
        return _target(
            _paired(cosa[kind], times[ref][kind]),
            limit,
            '<=',
            _ratio_of_minima(cosa[kind], times[ref][kind]),
        )

    targets = {
        'MTL-COSA train step / MTL': vs('MTL', 'train', 1.05),
        'MTL-COSA inference / MTL': vs('MTL', 'infer', 1.03),
        'MTL-COSA inference per image / UResNet': vs('UResNet', 'infer', 1.05),
        'MTL-COSA train per image / UResNet': vs('UResNet', 'train', 1.05),
        'region split share of a train step': _target(
            split['share_of_train_step'], 0.01, '<='
        ),
        'region split batched (ops at batch 1 == batch N)': _target(
            float(split['batched']), 1.0, '>='
        ),
    }
    data = raw.get('data_pipeline')
    workers = {}
    if data is not None:
        targets['data pipeline images/s per worker'] = _target(
            data['images_per_s'], 100.0, '>='
        )
        workers = _workers(
            data['images_per_s'],
            rows['MTL-COSA']['train_images_per_s'],
            opts.gpu_train_ips,
        )
    return dict(
        rows=rows,
        ratios=ratios,
        two_model=two_model,
        region_split=split,
        cls_branch=branch,
        data_pipeline=data,
        workers=workers,
        targets=targets,
    )


def _workers(
    per_worker: float, measured_ips: float, gpu_ips: Optional[float]
) -> Dict:
    """Dataloader workers needed to feed a training throughput."""
    out = dict(
        measured_train_images_per_s=measured_ips,
        measured_needs_workers=math.ceil(measured_ips / per_worker),
    )
    if gpu_ips is not None:
        out['given_train_images_per_s'] = gpu_ips
        out['given_needs_workers'] = math.ceil(gpu_ips / per_worker)
    return out
