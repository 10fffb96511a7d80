"""Command line of ``tools/analysis_tools/benchmark.py``."""

import argparse
import json
import os
import os.path as osp
from typing import List, Optional

from mmengine.logging import print_log

from .backend_options import BackendOptions
from .options import BenchmarkOptions
from .runner import run_benchmark
from .table import format_report

__all__ = ['main', 'parse_args']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the benchmark's arguments."""
    p = argparse.ArgumentParser(
        description='Time UResNet, MTL, MTL-SA, MTL-COSA and the '
        'UResNet + ResNet classifier pipeline side by side (training '
        'step, inference, memory, FLOPs), the COSA region split and the '
        'BUSI data pipeline.'
    )
    p.add_argument('--depth', type=int, default=101, help='ResNet depth')
    p.add_argument(
        '--size', type=int, nargs=2, default=[256, 256], metavar=('H', 'W')
    )
    p.add_argument('--batch-size', type=int, default=2)
    p.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    p.add_argument('--amp', action='store_true', help='mixed precision')
    p.add_argument(
        '--amp-dtype', choices=['bfloat16', 'float16'], default='bfloat16'
    )
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument(
        '--threads', type=int, default=None, help='torch.set_num_threads'
    )
    p.add_argument(
        '--data-images',
        type=int,
        default=40,
        help='phantom cases for the data pipeline (0 skips it)',
    )
    p.add_argument('--data-passes', type=int, default=3)
    p.add_argument(
        '--data-size',
        type=int,
        nargs=4,
        default=[400, 600, 500, 700],
        metavar=('HMIN', 'HMAX', 'WMIN', 'WMAX'),
        help='size range of the phantom files (BUSI-like by default)',
    )
    p.add_argument('--split-repeats', type=int, default=20)
    p.add_argument(
        '--peak-tflops',
        type=float,
        default=989.0,
        help='dense peak of the card for the AMP dtype (H200 bf16: 989)',
    )
    p.add_argument(
        '--gpu-train-ips',
        type=float,
        default=None,
        help='a training throughput (images/s) to size the workers for',
    )
    p.add_argument(
        '--fused-adam',
        action='store_true',
        help="torch's fused Adam instead of the config's default",
    )
    p.add_argument(
        '--profile',
        action='store_true',
        help='profile MTL vs MTL-COSA (torch.profiler)',
    )
    p.add_argument('--config-dir', default=None)
    g = p.add_argument_group(
        'backends',
        'fp32 PyTorch, bf16 PyTorch (CPU autocast; skipped without native '
        'bf16), ONNX Runtime fp32 and int8, timed side by side on one model',
    )
    g.add_argument(
        '--backends', action='store_true', help='add the backends section'
    )
    g.add_argument(
        '--only-backends',
        action='store_true',
        help='run the backends section alone',
    )
    g.add_argument(
        '--backend-config',
        default=None,
        help='config of the timed model, random weights (default '
        'configs/mtl_cosa_r101_busi.py: r101, 256x256)',
    )
    g.add_argument('--backend-batch-size', type=int, default=1)
    g.add_argument(
        '--backend-repeats',
        type=int,
        default=10,
        help='rounds; each calls every path once (interleaved)',
    )
    g.add_argument('--backend-warmup', type=int, default=2)
    g.add_argument(
        '--calibration-images',
        type=int,
        default=32,
        help='phantom images for the int8 calibration',
    )
    g.add_argument(
        '--deploy-config',
        default=None,
        help='config of a trained model: check the accuracy of each path '
        'against fp32 PyTorch on its test split',
    )
    g.add_argument('--deploy-checkpoint', default=None)
    g.add_argument('--accuracy-images', type=int, default=100)
    g.add_argument(
        '--backend-work-dir',
        default=None,
        help='keep the ONNX files here (default: a temporary folder)',
    )
    p.add_argument('--out', default=None, help='write the result as JSON')
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> dict:
    """Run the benchmark, log the report, write the JSON."""
    args = parse_args(argv)
    h0, h1, w0, w1 = args.data_size
    backends = None
    if args.backends or args.only_backends or args.deploy_config:
        backends = BackendOptions(
            config=args.backend_config,
            batch_size=args.backend_batch_size,
            repeats=args.backend_repeats,
            warmup=args.backend_warmup,
            calibration_images=args.calibration_images,
            deploy_config=args.deploy_config,
            deploy_checkpoint=args.deploy_checkpoint,
            accuracy_images=args.accuracy_images,
            work_dir=args.backend_work_dir,
        )
    opts = BenchmarkOptions(
        depth=args.depth,
        size=tuple(args.size),
        batch_size=args.batch_size,
        device=args.device,
        amp=args.amp,
        amp_dtype=args.amp_dtype,
        channels_last=args.channels_last,
        repeats=args.repeats,
        warmup=args.warmup,
        threads=args.threads,
        data_images=args.data_images,
        data_passes=args.data_passes,
        data_size_range=((h0, h1), (w0, w1)),
        split_repeats=args.split_repeats,
        peak_tflops=args.peak_tflops,
        gpu_train_ips=args.gpu_train_ips,
        fused_adam=args.fused_adam,
        profile=args.profile,
        config_dir=args.config_dir,
        backends=backends,
        only_backends=args.only_backends,
    )
    result = run_benchmark(opts)
    print_log('\n' + format_report(result), logger='current')
    if args.out:
        folder = osp.dirname(osp.abspath(args.out))
        os.makedirs(folder, exist_ok=True)
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=1)
        print_log(f'benchmark: wrote {args.out}', logger='current')
    return result
