"""Argument parsing and config set-up behind ``tools/train.py`` and
``tools/test.py``; the arguments are mmsegmentation's own, plus
``--allow-partial-load`` and ``--trust-checkpoint``.

Everything a user can get wrong (config, data folders, checkpoint file,
``--resume`` target) is checked before the Runner is built and prints its
config, and ends the run with one line (exit status 1), not a stack trace.

Call graph::

    tools/train.py: parse_train_args() -> build_train_cfg()  [preflight]
                    -> build_runner() -> Runner.train()
    tools/test.py:  parse_test_args()  -> build_test_cfg()   [preflight,
                    no training data]  -> build_runner()
                    -> load_runner_weights() [strict] -> Runner.test()
"""

import argparse
import logging
import os
import os.path as osp
import sys
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from mmcosa.datasets.preflight import check_data
from mmcosa.engine.runners import build_runner
from mmcosa.models import PretrainedWeightsError
from mmcosa.utils.checkpoint_loader import (
    CheckpointError,
    check_checkpoint_file,
    trust_checkpoints,
)
from mmcosa.utils.launch import check_amp_available, setup_launcher
from mmcosa.utils.preflight import (
    ConfigError,
    check_resume,
    check_sections,
    load_config,
)
from mmcosa.utils.weights import load_runner_weights

__all__ = [
    'parse_train_args',
    'parse_test_args',
    'build_train_cfg',
    'build_test_cfg',
    'build_runner',
    'drop_training',
    'run_train',
    'run_test',
]

_CFG_OPTIONS_HELP = (
    'override some settings in the used config, the key-value pair in '
    'xxx=yyy format will be merged into config file. If the value to be '
    'overwritten is a list, it should be like key="[a,b]" or key=a,b. '
    'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]". '
    'Note that the quotation marks are necessary and that no white space '
    'is allowed.'
)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help=_CFG_OPTIONS_HELP
    )
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher',
    )
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='unpickle checkpoints fully (they may then run code): only for '
        'files you made or trust that hold more than tensors, numpy values '
        'and mmengine log buffers',
    )
    # torch >= 2.0 passes --local-rank, older launchers --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def _finish(args: argparse.Namespace) -> argparse.Namespace:
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.trust_checkpoint:
        trust_checkpoints()
    return args


def parse_train_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the arguments of ``tools/train.py``."""
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically',
    )
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training (GPU only)',
    )
    _add_common(parser)
    return _finish(parser.parse_args(argv))


def parse_test_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the arguments of ``tools/test.py``."""
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model'
    )
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        type=str,
        help='directory to save the predictions (masks and, for COSA '
        'models, region maps as PNG, class scores as CSV) for offline '
        'evaluation; see PredictionDumpHook',
    )
    parser.add_argument(
        '--show', action='store_true', help='show prediction results'
    )
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved. If specified, '
        'it will be automatically saved to the work_dir/timestamp/show_dir',
    )
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)'
    )
    parser.add_argument(
        '--tta', action='store_true', help='Test time augmentation'
    )
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='load only the checkpoint tensors that fit the model (logged '
        'as a WARNING) instead of stopping on a mismatch',
    )
    _add_common(parser)
    return _finish(parser.parse_args(argv))


def _load_cfg(args: argparse.Namespace) -> Config:
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    # work_dir priority: CLI > config file > config file name.
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join(
            './work_dirs', osp.splitext(osp.basename(args.config))[0]
        )
    return cfg


def build_train_cfg(args: argparse.Namespace) -> Config:
    """Build the training config from ``tools/train.py`` arguments.

    Raises:
        ConfigError: For a config, data or ``--resume`` problem, found
            before any Runner is built.
    """
    cfg = _load_cfg(args)
    check_sections(
        cfg,
        args.config,
        ('model', 'train_dataloader', 'train_cfg', 'optim_wrapper'),
    )
    if args.amp:
        check_amp_available()
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING,
            )
        elif optim_wrapper != 'OptimWrapper':
            raise ConfigError(
                '--amp is only supported when the optimizer wrapper type is '
                f'OptimWrapper, but the config has {optim_wrapper}.'
            )
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    cfg.resume = args.resume
    loaders = ['train_dataloader']
    if cfg.get('val_cfg', None) is not None:
        loaders.append('val_dataloader')
    check_data(cfg, args.config, loaders)
    check_resume(cfg, args.config)
    setup_launcher(cfg)
    return cfg


def _trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> None:
    """Turn drawing on for ``--show`` / ``--show-dir``.

    A config with mmcosa's ``BUSVisualizationHook`` draws every test image
    with it (the overlay of ``tools/infer.py``; it needs no image file, so
    it works on the phantom); otherwise mmseg's ``SegVisualizationHook``
    draws, as in mmseg's own ``tools/test.py``.
    """
    bus_hooks = [
        h
        for h in cfg.get('custom_hooks', [])
        if h.get('type')
        in ('BUSVisualizationHook', 'mmseg.BUSVisualizationHook')
    ]
    if bus_hooks and args.show_dir:
        for hook in bus_hooks:
            hook.update(out_dir=args.show_dir, draw_test=True)
            hook['num_images'] = 10**9  # every test image
        if not args.show:
            return
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise ConfigError(
            '--show / --show-dir need a visualization hook in '
            'default_hooks, e.g. visualization=dict(type='
            "'SegVisualizationHook')."
        )
    hook = hooks['visualization']
    hook['draw'] = True
    hook['interval'] = 1
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir


def _evaluator_list(evaluator) -> list:
    return (
        list(evaluator)
        if isinstance(evaluator, (list, tuple))
        else [evaluator]
    )


def drop_training(cfg: Config) -> None:
    """Remove what only training builds, so testing reads no train data.

    mmengine's ``runner.iter`` (read by logger and visualization hooks
    during testing) builds the train loop, hence the train dataloader,
    when ``train_cfg`` is set.
    """
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper'):
        cfg[key] = None
    cfg.param_scheduler = None


def build_test_cfg(args: argparse.Namespace) -> Config:
    """Build the test config from ``tools/test.py`` arguments.

    The checkpoint is not put in ``load_from`` (mmengine would load it
    leniently): :func:`run_test` loads it strictly after the runner is
    built. Nothing of the training data is kept.

    Raises:
        FileNotFoundError: If the checkpoint does not exist.
        CheckpointError: If it is not a complete checkpoint file.
        ConfigError: For a config or data problem.
    """
    check_checkpoint_file(args.checkpoint)
    cfg = _load_cfg(args)
    check_sections(
        cfg,
        args.config,
        ('model', 'test_dataloader', 'test_cfg', 'test_evaluator'),
    )
    cfg.load_from = None
    cfg.resume = False
    drop_training(cfg)
    if args.show or args.show_dir:
        _trigger_visualization_hook(cfg, args)
    if args.tta:
        if 'tta_pipeline' not in cfg:
            raise ConfigError(
                f'--tta needs `tta_pipeline` in the config {args.config}.'
            )
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        evaluators = _evaluator_list(cfg.test_evaluator)
        for metric in evaluators:
            if metric.get('type') in ('IoUMetric', 'mmseg.IoUMetric'):
                metric['output_dir'] = args.out
                metric['keep_results'] = True
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='PredictionDumpHook', out_dir=args.out)
        ]
    check_data(cfg, args.config, ['test_dataloader'])
    setup_launcher(cfg)
    return cfg


def _exit_with_message(err: Exception) -> None:
    """Print a user-facing error on stderr, without a trace; exit with 1.

    Not ``print_log(level=ERROR)``: mmengine's ERROR format puts the
    logger's own source path in front of the message.
    """
    sys.stderr.write(f'error: {err}\n')
    raise SystemExit(1)


def run_train(argv: Optional[List[str]] = None) -> None:
    """``tools/train.py``: parse, check, build the runner, train.

    Config, data and ``--resume`` problems, an unreadable checkpoint and a
    backbone whose ImageNet weights cannot be read (with how to train from
    scratch or use a local file) end the run with their message, not a
    stack trace.
    """
    args = parse_train_args(argv)
    try:
        cfg = build_train_cfg(args)
        runner = build_runner(cfg)
        runner.train()
    except (ConfigError, CheckpointError, PretrainedWeightsError) as err:
        _exit_with_message(err)


def run_test(argv: Optional[List[str]] = None) -> None:
    """``tools/test.py``: parse, check, build the runner, load the
    checkpoint strictly, test.

    A checkpoint that does not fit the config's model stops with one line
    (``--allow-partial-load`` loads what fits, with a WARNING).
    """
    args = parse_test_args(argv)
    try:
        cfg = build_test_cfg(args)
    except (ConfigError, CheckpointError, FileNotFoundError) as err:
        _exit_with_message(err)
    try:
        runner = build_runner(cfg)
        load_runner_weights(
            runner, args.checkpoint, args.config, args.allow_partial_load
        )
        runner.test()
    except (ConfigError, CheckpointError) as err:
        _exit_with_message(err)
