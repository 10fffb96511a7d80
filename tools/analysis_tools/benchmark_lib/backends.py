"""The backends section: fp32 PyTorch, bf16 PyTorch, ORT fp32 and ORT int8
timed side by side on one model, and their accuracy against fp32.

Call graph::

    bench_backends(opts, threads)
      ├─ bf16_support() / int8_support()       skip bf16 without native bf16
      ├─ init_model(config)                    random weights, no download
      ├─ build_paths(...)                      export, int8, the callables
      ├─ _interleave(batch_calls, x, ...)      one call per path per round
      ├─ summarise_backends(times, ...)        medians, ratios, the target
      └─ backend_accuracy(...)                 with --deploy-config
"""

import os
import tempfile
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.logging import print_log

from mmcosa.apis import init_model
from mmcosa.deployment import phantom_images
from mmcosa.deployment.onnx_runner import preprocess
from mmcosa.utils.cpu_features import bf16_support, int8_support

from .backend_accuracy import backend_accuracy
from .backend_options import DEFAULT_BACKEND_CONFIG, BackendOptions
from .backend_paths import (
    INT8,
    ORT_FP32,
    PATHS,
    REDUCED,
    REFERENCE,
    build_paths,
)
from .timing import load_average, median, time_call

__all__ = ['SPEED_TARGET', 'bench_backends', 'summarise_backends']

#: The reduced path's time per image as a fraction of fp32 PyTorch's.
SPEED_TARGET = 0.55
#: Seed of the phantom images of the timed batch.
INPUT_SEED = 777
_CPU = torch.device('cpu')


def _interleave(
    calls: Dict[str, Callable], x: np.ndarray, repeats: int, warmup: int
) -> Tuple[Dict[str, List[float]], List[float]]:
    """Seconds per call of every path, round by round: paths in order on
    even rounds and in reverse on odd ones, so that load drifting on a
    shared machine hits them alike. Also the load average per round."""
    for call in calls.values():
        for _ in range(warmup):
            call(x)
    names = list(calls)
    times: Dict[str, List[float]] = {n: [] for n in names}
    loads = []
    for rep in range(repeats):
        for name in names if rep % 2 == 0 else names[::-1]:
            times[name].append(time_call(lambda n=name: calls[n](x), _CPU))
        loads.append(load_average())
        print_log(
            f'benchmark: backends round {rep + 1}/{repeats} (load average '
            f'{loads[-1]})',
            logger='current',
        )
    return times, loads


def summarise_backends(
    times: Dict[str, List[float]], skipped: Dict[str, str], batch_size: int
) -> Dict:
    """Rows, ratios and the target from the raw times.

    Args:
        times (dict): Path -> seconds per call (one batch), per round.
        skipped (dict): Path -> reason it was not timed.
        batch_size (int): Images per call.

    Returns:
        dict: ``rows`` (path -> ``status`` ``'timed'`` with
        ``median_ms_per_image``, ``min_ms_per_image``, ``ratio_vs_fp32``
        (ratio of the medians), ``ratio_vs_fp32_paired`` (median of the
        per-round ratios), ``ratio_vs_fp32_minima``, for the reduced
        paths ``met`` and for int8 ``ratio_vs_ort_fp32``; or ``'skipped'``
        with ``reason``) and ``target`` (``limit``, ``path``: the fastest
        reduced path timed, ``value``, ``met``).
    """
    ref = times[REFERENCE]
    rows = {}
    for name in PATHS:
        if name in skipped:
            rows[name] = dict(status='skipped', reason=skipped[name])
            continue
        t = times[name]
        rows[name] = dict(
            status='timed',
            median_ms_per_image=1e3 * median(t) / batch_size,
            min_ms_per_image=1e3 * min(t) / batch_size,
            ratio_vs_fp32=median(t) / median(ref),
            ratio_vs_fp32_paired=median([a / b for a, b in zip(t, ref)]),
            ratio_vs_fp32_minima=min(t) / min(ref),
        )
        if name in REDUCED:
            rows[name]['met'] = rows[name]['ratio_vs_fp32'] <= SPEED_TARGET
    if rows[INT8]['status'] == rows[ORT_FP32]['status'] == 'timed':
        rows[INT8]['ratio_vs_ort_fp32'] = median(times[INT8]) / median(
            times[ORT_FP32]
        )
    timed = [n for n in REDUCED if rows[n]['status'] == 'timed']
    best = min(timed, key=lambda n: rows[n]['ratio_vs_fp32'], default=None)
    target = dict(limit=SPEED_TARGET, path=best, value=None, met=False)
    if best is not None:
        target.update(value=rows[best]['ratio_vs_fp32'], met=rows[best]['met'])
    return dict(rows=rows, target=target)


def bench_backends(
    opts: BackendOptions, config_dir: str, threads: Optional[int] = None
) -> Dict:
    """Time the four paths of ``opts.config`` and, with a deploy
    checkpoint, check their accuracy.

    Args:
        opts (BackendOptions): The section's settings.
        config_dir (str): The ``configs/`` folder (for the default config).
        threads (int, optional): Threads of torch and ONNX Runtime alike;
            default torch's current count.

    Returns:
        dict: ``config``, ``input_size``, ``batch_size``, ``repeats``,
        ``warmup``, ``threads``, ``cpu`` (``bf16`` and ``int8`` support),
        ``int8`` (calibration), ``times`` (raw seconds per call),
        ``load_avg_1m_rounds``, the summary of :func:`summarise_backends`
        and ``accuracy`` (None without a deploy checkpoint).
    """
    threads = threads or torch.get_num_threads()
    config = opts.config or os.path.join(config_dir, DEFAULT_BACKEND_CONFIG)
    bf16, int8 = bf16_support(), int8_support()
    if not bf16['supported']:
        print_log(f'benchmark: bf16 SKIPPED: {bf16["reason"]}', 'current')
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = opts.work_dir or tmp
        os.makedirs(work_dir, exist_ok=True)
        model = init_model(config, None)
        paths = build_paths(
            model, work_dir, opts.calibration_images, threads, bf16
        )
        spec = paths.meta['preprocess']
        images = phantom_images(opts.batch_size, seed=INPUT_SEED)
        x = np.stack([preprocess(img, spec)[0] for img in images])
        times, loads = _interleave(
            paths.batch_calls, x, opts.repeats, opts.warmup
        )
        skipped = dict(paths.skipped)
        quantization = paths.int8_meta['quantization']
        del model, paths
        accuracy = None
        if opts.deploy_config is not None:
            accuracy = backend_accuracy(opts, work_dir, threads, bf16)
    result = dict(
        config=config,
        input_size=list(x.shape[2:]),
        batch_size=opts.batch_size,
        repeats=opts.repeats,
        warmup=opts.warmup,
        threads=threads,
        input_note='every path times the model call on the same '
        'normalised float32 batch (preprocessed once), from that array '
        'to float32 outputs (segmentation logits, class probabilities, '
        'COSA regions); PyTorch runs the exported function (ExportWrapper), '
        'ONNX Runtime its CPU session with intra-op spinning off (idle '
        'spinning threads would slow the interleaved PyTorch calls)',
        cpu=dict(bf16=bf16, int8=int8),
        int8=quantization,
        times=times,
        load_avg_1m_rounds=loads,
        accuracy=accuracy,
    )
    result.update(summarise_backends(times, skipped, opts.batch_size))
    return result
