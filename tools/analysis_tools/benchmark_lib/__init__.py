"""Benchmark of the MTL-COSA models, their region split, data pipeline and
inference backends (fp32 / bf16 PyTorch, ONNX Runtime fp32 / int8).

Developer tooling, not part of the ``mmcosa`` wheel (mmseg keeps its
benchmark under ``tools/analysis_tools/`` too): it needs a checkout, whose
``configs/`` it reads (:func:`default_config_dir`). Run it with
``python tools/analysis_tools/benchmark.py``; it imports ``mmcosa``, never
the other way round.
"""

from mmcosa.utils.cpu_features import bf16_support, cpu_flags, int8_support

from .backend_accuracy import ACCURACY_TARGETS, backend_accuracy
from .backend_options import BackendOptions
from .backend_paths import PATHS, TorchPath, build_paths
from .backend_table import format_backends
from .backends import SPEED_TARGET, bench_backends, summarise_backends
from .batch import make_batch
from .branch import bench_cls_branch
from .cli import main, parse_args
from .complexity import model_complexity, sdpa_flop_jit
from .data_pipeline import bench_data_pipeline
from .machine import machine_info
from .memory import MemoryProbe
from .models import (
    CLASSIFIER,
    MODEL_CONFIGS,
    SEGMENTORS,
    build_model,
    default_config_dir,
)
from .options import BenchmarkOptions
from .profiling import op_time_diff, op_times
from .region_split import bench_region_split, count_ops
from .report import TWO_MODEL, summarise
from .runner import MODEL_ORDER, run_benchmark
from .steps import AMP_DTYPES, infer_step, make_optim_wrapper, train_step
from .table import format_report
from .timing import median, synchronize, time_call

__all__ = [
    'ACCURACY_TARGETS',
    'AMP_DTYPES',
    'BackendOptions',
    'BenchmarkOptions',
    'CLASSIFIER',
    'MODEL_CONFIGS',
    'MODEL_ORDER',
    'MemoryProbe',
    'PATHS',
    'SEGMENTORS',
    'SPEED_TARGET',
    'TWO_MODEL',
    'TorchPath',
    'backend_accuracy',
    'bench_backends',
    'bench_cls_branch',
    'bench_data_pipeline',
    'bench_region_split',
    'bf16_support',
    'build_model',
    'build_paths',
    'count_ops',
    'cpu_flags',
    'default_config_dir',
    'format_backends',
    'format_report',
    'infer_step',
    'int8_support',
    'machine_info',
    'main',
    'make_batch',
    'make_optim_wrapper',
    'median',
    'model_complexity',
    'op_time_diff',
    'op_times',
    'parse_args',
    'run_benchmark',
    'sdpa_flop_jit',
    'summarise',
    'summarise_backends',
    'synchronize',
    'time_call',
    'train_step',
]
