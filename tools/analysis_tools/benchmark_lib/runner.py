"""Run every measurement of the benchmark in one process."""

import dataclasses
import math
import os.path as osp
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log

from .backends import bench_backends
from .batch import make_batch
from .branch import bench_cls_branch
from .complexity import model_complexity
from .data_pipeline import bench_data_pipeline
from .machine import machine_info
from .memory import MemoryProbe
from .models import CLASSIFIER, build_model, default_config_dir
from .options import BenchmarkOptions
from .profiling import op_time_diff, op_times
from .region_split import bench_region_split
from .report import summarise
from .steps import AMP_DTYPES, infer_step, make_optim_wrapper, train_step
from .timing import load_average, time_call

__all__ = ['MODEL_ORDER', 'run_benchmark']

#: Round-robin order: the classifier next to UResNet, so that the two
#: timings of a repeat are the two-model pipeline run one after the other;
#: MTL-COSA between UResNet and MTL, the two it is compared with, so that
#: each compared pair runs back to back (within seconds) on a shared
#: machine whose load changes.
MODEL_ORDER = (CLASSIFIER, 'UResNet', 'MTL-COSA', 'MTL', 'MTL-SA')
SCHEDULE = '_base_/schedules/adam_100e.py'
DATASET = '_base_/datasets/busi.py'


@dataclasses.dataclass
class _Entry:
    """A built model with its optimizer, batches and memory figures."""

    model: nn.Module
    optim_wrapper: object
    train_batch: dict
    test_batch: dict
    memory: Dict[str, float]


def _device(name: str) -> torch.device:
    """The torch device, with a clear error when CUDA is missing."""
    if name == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError(
            '--device cuda: torch sees no CUDA device on this machine '
            f'(torch {torch.__version__}); run with --device cpu.'
        )
    return torch.device(name)


def _prepare(
    name: str, opts: BenchmarkOptions, device: torch.device
) -> _Entry:
    """Build a model and warm it up, measuring its memory on the way."""
    amp = AMP_DTYPES[opts.amp_dtype] if opts.amp else None
    probe = MemoryProbe(device)
    probe.start()
    model = build_model(
        name,
        opts.depth,
        opts.size,
        device,
        opts.channels_last,
        opts.config_dir,
    )
    optim_wrapper = make_optim_wrapper(
        model,
        osp.join(opts.config_dir, SCHEDULE),
        opts.amp,
        opts.amp_dtype,
        opts.fused_adam,
    )
    weights = probe.current_mib()
    train_batch = make_batch(opts.batch_size, opts.size, seed=0)
    test_batch = make_batch(opts.batch_size, opts.size, seed=1)
    for _ in range(max(opts.warmup, 1)):
        infer_step(model, test_batch, amp)
    infer_peak = probe.peak_mib()
    # Two steps at least: the first creates the Adam state after the
    # activations are freed, the second holds state, gradients and
    # activations together (the steady-state peak).
    for _ in range(max(opts.warmup, 2)):
        train_step(model, optim_wrapper, train_batch)
    memory = dict(
        weights_mib=weights,
        infer_peak_mib=infer_peak,
        train_peak_mib=probe.peak_mib(),
        train_state_mib=probe.current_mib(),
        kind=probe.kind,
    )
    print_log(
        f'benchmark: built and warmed up {name} '
        f'(train peak {memory["train_peak_mib"]:.0f} MiB)',
        logger='current',
    )
    return _Entry(model, optim_wrapper, train_batch, test_batch, memory)


def _pipeline_memory(first: Dict, second: Dict) -> Dict[str, float]:
    """Memory of two models resident together and run one after the
    other: what stays of one plus the peak of the other, whichever is
    larger."""
    return dict(
        weights_mib=first['weights_mib'] + second['weights_mib'],
        infer_peak_mib=max(
            first['infer_peak_mib'] + second['weights_mib'],
            first['weights_mib'] + second['infer_peak_mib'],
        ),
        train_peak_mib=max(
            first['train_peak_mib'] + second['train_state_mib'],
            first['train_state_mib'] + second['train_peak_mib'],
        ),
        train_state_mib=first['train_state_mib'] + second['train_state_mib'],
        kind=first['kind'],
    )


def _round_robin(
    entries: Dict[str, _Entry], opts: BenchmarkOptions, device: torch.device
) -> Tuple[Dict[str, Dict[str, List[float]]], List[float]]:
    """Seconds per training step and per inference call, each repeat
    running every model once, in :data:`MODEL_ORDER` on even repeats and
    in reverse on odd ones (UResNet and the classifier stay adjacent).
    Also returns the 1-minute load average after each repeat."""
    amp = AMP_DTYPES[opts.amp_dtype] if opts.amp else None
    times = {n: dict(train=[], infer=[]) for n in entries}
    loads: List[float] = []
    for rep in range(opts.repeats):
        # Forward order, then backward (A B C .. C B A): a load that drifts
        # during a repeat hits the models alike on average.
        order = list(entries) if rep % 2 == 0 else list(entries)[::-1]
        for name in order:
            e = entries[name]
            times[name]['train'].append(
                time_call(
                    lambda e=e: train_step(
                        e.model, e.optim_wrapper, e.train_batch
                    ),
                    device,
                )
            )
        for name in order:
            e = entries[name]
            times[name]['infer'].append(
                time_call(
                    lambda e=e: infer_step(e.model, e.test_batch, amp),
                    device,
                )
            )
        loads.append(load_average())
        print_log(
            f'benchmark: repeat {rep + 1}/{opts.repeats} done (load '
            f'average {loads[-1]})',
            'current',
        )
    return times, loads


def _profile(
    entries: Dict[str, _Entry], device: torch.device, runs: int = 3
) -> Dict[str, list]:
    """The ops where MTL-COSA's training step and inference spend more
    than MTL's (each op's fastest of ``runs`` profiled calls)."""
    ops = {}
    for name in ('MTL', 'MTL-COSA'):
        e = entries[name]
        ops[name] = dict(
            train=op_times(
                lambda e=e: train_step(
                    e.model, e.optim_wrapper, e.train_batch
                ),
                device,
                runs,
            ),
            infer=op_times(
                lambda e=e: infer_step(e.model, e.test_batch), device, runs
            ),
        )
    return {
        kind: op_time_diff(ops['MTL'][kind], ops['MTL-COSA'][kind])
        for kind in ('train', 'infer')
    }


def run_benchmark(opts: Optional[BenchmarkOptions] = None) -> Dict:
    """Measure the four segmentors and the two-model pipeline, and with
    ``opts.backends`` the inference backends.

    Args:
        opts (BenchmarkOptions, optional): Settings; defaults to the
            paper's setting (ResNet-101, 256x256, batch 2, CPU).

    Returns:
        dict: ``machine``, ``options``, ``raw`` (every timing, in seconds,
        memory, complexity, region split, classification branch alone,
        data pipeline, profile) and the
        summary of :func:`~.report.summarise` (``rows``, ``ratios``,
        ``targets``, ``workers``, ...); ``backends`` (see
        :func:`~.backends.bench_backends`) when asked for. With
        ``opts.only_backends``: ``machine``, ``options`` and ``backends``.
    """
    opts = opts or BenchmarkOptions()
    opts.config_dir = opts.config_dir or default_config_dir()
    device = _device(opts.device)
    if opts.threads is not None:
        torch.set_num_threads(opts.threads)
    torch.manual_seed(0)
    machine_start = machine_info(device)
    if opts.only_backends:
        backends = bench_backends(opts.backends, opts.config_dir)
        machine = machine_info(device)
        machine['load_avg_1m_start'] = machine_start['load_avg_1m']
        return dict(
            machine=machine,
            options=dataclasses.asdict(opts),
            backends=backends,
        )
    entries = {name: _prepare(name, opts, device) for name in MODEL_ORDER}
    times, loads = _round_robin(entries, opts, device)
    memory = {n: e.memory for n, e in entries.items()}
    memory['two-model'] = _pipeline_memory(
        memory['UResNet'], memory[CLASSIFIER]
    )
    complexity = {
        n: model_complexity(e.model, opts.size) for n, e in entries.items()
    }
    split = bench_region_split(
        entries['MTL-COSA'].model.cls_neck,
        opts.batch_size,
        opts.size,
        tuple(math.ceil(s / 32) for s in opts.size),  # the C5 grid
        opts.split_repeats,
    )
    branch = {
        n: bench_cls_branch(
            entries[n].model, opts.batch_size, opts.size, opts.split_repeats
        )
        for n in ('MTL', 'MTL-SA', 'MTL-COSA')
    }
    profile = _profile(entries, device) if opts.profile else None
    del entries
    data = None
    if opts.data_images:
        data = bench_data_pipeline(
            osp.join(opts.config_dir, DATASET),
            opts.data_images,
            opts.data_passes,
            opts.data_size_range,
        )
    machine = machine_info(device)
    machine['load_avg_1m_start'] = machine_start['load_avg_1m']
    machine['load_avg_1m_repeats'] = loads
    raw = dict(
        times=times,
        memory=memory,
        complexity=complexity,
        region_split=split,
        cls_branch=branch,
        data_pipeline=data,
        profile=profile,
    )
    result = dict(machine=machine, options=dataclasses.asdict(opts), raw=raw)
    result.update(summarise(raw, opts))
    if opts.backends is not None:
        result['backends'] = bench_backends(opts.backends, opts.config_dir)
    return result
