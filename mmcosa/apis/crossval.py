"""K-fold cross-validation: train and test every fold, then summarise.

Call graph::

    run_crossval(config, work_dir, folds, external=...)
      check folds, --fold indices and the prepared folders'
        num_folds                           up front, before any training
      internal_test_sets(cfg)               test fold(s) of the config
      external_test_set(...)                every image of other folders
      open_run(work_dir, ...)               record the setup, or check that
                                            a rerun matches it
      for k in folds:
        run_fold(cfg, k, folds, fold_k/, sets)
          every set's result exists? -> skip (resumable)
          fold_config(cfg, k, folds)        fold=k on every dataset
          tested before? -> load the fold's last checkpoint
          else Runner.train()               resumes an interrupted fold
          test each pending set             fold_k/test_metrics[_<name>].json
      summarise_run(...)                    summary.json, summary.md
      plot_roc(...)                         roc.png, roc_<name>.png

The classification figures of the summary are recomputed from the saved
class scores for both conventions, whatever the config's metric says:
``cls_paper/*`` with benign positive (the paper's tables) and
``cls_malignant/*`` with malignant positive.
"""

import copy
import gc
import json
import os
import os.path as osp
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from mmcosa.evaluation.crossval import summarise_run, write_summary_md
from mmcosa.utils.weights import load_runner_weights
from mmcosa.visualization import plot_roc

from .crossval_record import open_run
from .crossval_sets import (
    CrossvalTestSet,
    check_num_folds,
    external_test_set,
    internal_test_sets,
    set_fold,
)

__all__ = ['fold_config', 'load_fold_results', 'run_crossval', 'run_fold']

#: File whose presence marks a finished fold (config with one test set).
FOLD_RESULT = 'test_metrics.json'


def fold_config(
    cfg: Config, fold: int, num_folds: int, work_dir: str
) -> Config:
    """A copy of ``cfg`` set up to train and test fold ``fold``.

    Sets ``fold`` (and ``num_folds`` on ``BUSDataset`` and where the
    dataset config names it) on every dataset of the train, val and test
    dataloaders and of the named ``test_dataloaders``, unwrapping
    ``dataset`` / ``datasets`` wrappers (RepeatDataset, ConcatDataset,
    ...).

    Args:
        cfg (Config): The method's config.
        fold (int): Fold index.
        num_folds (int): Number of folds.
        work_dir (str): Work dir of this fold.

    Returns:
        Config: The fold's config.

    Raises:
        ValueError: If a dataloader has no dataset that takes ``fold``.
    """
    cfg = copy.deepcopy(cfg)
    loaders = [
        (key, cfg.get(key, None))
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    loaders += [
        (f'test_dataloaders[{name!r}]', loader)
        for name, loader in (cfg.get('test_dataloaders') or {}).items()
    ]
    for key, loader in loaders:
        if not loader:
            continue
        if not set_fold(loader.get('dataset', None), fold, num_folds):
            raise ValueError(
                f'{key} has no dataset taking `fold` (BUSDataset or '
                'BUSPhantomDataset, possibly wrapped): cross-validation '
                'cannot select the folds of this config.'
            )
    cfg.work_dir = work_dir
    # Unique names: mmengine keeps loggers and visualizers by name, and a
    # second Runner in this process would reuse the first fold's.
    cfg.experiment_name = f'fold_{fold}'
    if cfg.get('visualizer', None):
        cfg.visualizer['name'] = f'fold_{fold}_{time.time_ns()}'
    last = osp.join(work_dir, 'last_checkpoint')
    cfg.resume = osp.isfile(last)
    if cfg.resume:
        cfg.load_from = None
    return cfg


def _cls_metric(evaluator) -> Optional[Any]:
    from mmcosa.evaluation import BUSClsMetric

    for metric in evaluator.metrics:
        if isinstance(metric, BUSClsMetric):
            return metric
    return None


def _jsonable(value: Any) -> Any:
    if hasattr(value, 'item'):
        return value.item()
    return value


def _last_checkpoint(fold_dir: str) -> Optional[str]:
    """The checkpoint named by ``fold_dir/last_checkpoint`` (also when the
    work dir was moved since); None when there is none."""
    last = osp.join(fold_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return None
    with open(last) as f:
        path = f.read().strip()
    for candidate in (path, osp.join(fold_dir, osp.basename(path))):
        if candidate and osp.isfile(candidate):
            return candidate
    return None


def _build_runner(cfg: Config):
    """The tools' runner: checkpoints are renamed into place when whole."""
    from mmcosa.engine.runners import build_runner

    return build_runner(cfg)


def _test_set(runner, cfg: Config, loader: dict) -> Dict[str, Any]:
    """Test the runner's model on ``loader``; metrics and class scores."""
    from mmengine.registry import LOOPS
    from mmengine.runner import TestLoop

    loop_cfg = copy.deepcopy(cfg.get('test_cfg') or {})
    args = dict(
        runner=runner,
        dataloader=loader,
        evaluator=copy.deepcopy(cfg.test_evaluator),
    )
    if 'type' in loop_cfg:
        loop = LOOPS.build(loop_cfg, default_args=args)
    else:
        loop = TestLoop(**loop_cfg, **args)
    # The Runner has no public setter; runner.test() then runs this loop
    # with the usual hooks, and runner.test_dataloader is this set's.
    runner._test_loop = loop
    metrics = runner.test()
    result: Dict[str, Any] = dict(
        metrics={k: _jsonable(v) for k, v in metrics.items()}
    )
    cls_metric = _cls_metric(loop.evaluator)
    if cls_metric is not None and cls_metric.scores:
        result['cls_scores'] = dict(
            probs=cls_metric.scores['probs'],
            gt_label=cls_metric.scores['all_gt_label'],
            pred_label=cls_metric.scores['all_pred_label'],
        )
    return result


def _write_result(path: str, result: Dict[str, Any]) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, path)


def run_fold(
    cfg: Config,
    fold: int,
    num_folds: int,
    fold_dir: str,
    test_sets: Optional[Sequence[CrossvalTestSet]] = None,
) -> Dict[str, Dict[str, Any]]:
    """Train fold ``fold`` in this process and test it on every test set.

    Sets whose result file exists are not tested again. A fold tested on
    some set before is not trained again: the pending sets are tested with
    its last checkpoint (so all of a fold's results come from one model).

    Args:
        cfg (Config): The method's config.
        fold (int): Fold index.
        num_folds (int): Number of folds.
        fold_dir (str): Work dir of the fold.
        test_sets (Sequence[CrossvalTestSet], optional): Defaults to the
            config's internal test sets.

    Returns:
        dict: Set name -> result written to ``fold_dir`` (``fold``,
        ``test_set``, ``metrics``, and ``cls_scores`` with ``probs``,
        ``gt_label``, ``pred_label`` when the config has a
        ``BUSClsMetric``), for the sets tested now.

    Raises:
        FileNotFoundError: If the fold was tested before and its checkpoint
            is gone.
    """
    sets = list(test_sets) if test_sets else internal_test_sets(cfg)
    pending = [
        s for s in sets if not osp.isfile(osp.join(fold_dir, s.result_file))
    ]
    if not pending:
        return {}
    fcfg = fold_config(cfg, fold, num_folds, fold_dir)
    trained = len(pending) < len(sets)
    if trained:
        checkpoint = _last_checkpoint(fold_dir)
        if checkpoint is None:
            raise FileNotFoundError(
                f'fold {fold} was tested before but its checkpoint is gone '
                f'({fold_dir}/last_checkpoint): test sets '
                f'{[s.name for s in pending]} need the same model; restore '
                'it, or start over with --force.'
            )
        fcfg.resume, fcfg.load_from = False, None
    runner = _build_runner(fcfg)
    if trained:
        # strict: a checkpoint of another model stops with one line
        load_runner_weights(runner, checkpoint, cfg.filename)
    else:
        runner.train()
    results = {}
    for test_set in pending:
        result = dict(fold=fold, test_set=test_set.name)
        result.update(
            _test_set(runner, fcfg, test_set.fold_loader(fold, num_folds))
        )
        _write_result(osp.join(fold_dir, test_set.result_file), result)
        results[test_set.name] = result
    # Free this fold's model and data before the next fold is built.
    del runner
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return results


def _check_folds(folds: int, only_folds: Optional[Sequence[int]]) -> List[int]:
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f'folds must be an int >= 2, got {folds!r}.')
    if only_folds is None:
        return list(range(folds))
    todo = list(only_folds)
    bad = [
        k
        for k in todo
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < folds
    ]
    if bad:
        raise ValueError(f'fold indices {bad} are outside 0..{folds - 1}.')
    if len(set(todo)) != len(todo):
        raise ValueError(f'fold indices {todo} repeat a fold; give each once.')
    return todo


def _external_sets(
    template: CrossvalTestSet,
    external: Sequence[Tuple[Optional[str], str]],
    internal: Sequence[CrossvalTestSet],
) -> List[CrossvalTestSet]:
    sets = [external_test_set(template, root, name) for name, root in external]
    names = [s.name for s in internal] + [s.name for s in sets]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ValueError(
            f'test set name(s) {clash} used twice (internal test sets: '
            f'{[s.name for s in internal]}): give each --external its own '
            '--external-name.'
        )
    return sets


def run_crossval(
    config: str,
    work_dir: str,
    folds: int = 5,
    cfg_options: Optional[dict] = None,
    only_folds: Optional[Sequence[int]] = None,
    method: Optional[str] = None,
    external: Optional[Sequence[Tuple[Optional[str], str]]] = None,
    force: bool = False,
) -> Dict[str, Any]:
    """Cross-validate a config: train + test each fold, then summarise.

    Everything is checked before any training: ``folds`` against the
    ``num_folds`` of every prepared folder the config reads, the fold
    indices, the external folders, and the work dir's record (a rerun
    must have the same merged config, folds and prepared splits, see
    :func:`mmcosa.apis.crossval_record.open_run`).

    Resumable: a fold whose result files all exist is not trained again;
    an interrupted fold resumes from its last checkpoint; a fold missing
    only some test sets (an external set added later, say) is tested on
    them with its last checkpoint.

    Args:
        config (str): Config file of the method.
        work_dir (str): Output folder; fold ``k`` works in ``fold_<k>/``.
        folds (int): Number of folds K; must equal the prepared folders'
            ``num_folds``. Defaults to 5.
        cfg_options (dict, optional): Overrides merged into the config.
        only_folds (Sequence[int], optional): Run only these folds (the
            summary uses every finished fold). Defaults to all.
        method (str, optional): Method name in the tables. Defaults to the
            config file name.
        external (Sequence[tuple], optional): ``(name, data_root)`` pairs:
            also test every fold's model on every image of these prepared
            folders (name None: the folder's name). Sets recorded by an
            earlier run in ``work_dir`` are always tested.
        force (bool): Move an existing run in ``work_dir`` aside
            (``<work_dir>.old-<time>``) and start over. Defaults to False.

    Returns:
        dict: The summary written to ``summary.json``.

    Raises:
        FileNotFoundError: If the config or a prepared folder is missing.
        ValueError: For bad ``folds`` / fold indices, a ``num_folds``
            mismatch, or bad test set names.
        CrossvalMismatchError: If ``work_dir`` holds a run started with
            other settings (a ``ValueError``).
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist.')
    todo = _check_folds(folds, only_folds)
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    method = method or osp.splitext(osp.basename(config))[0]
    internal = internal_test_sets(cfg)
    check_num_folds(cfg, folds)
    given = _external_sets(internal[0], external or (), internal)
    record = open_run(
        work_dir, config, cfg, cfg_options, folds, given, force=force
    )
    sets = internal + [
        s
        for name, ext in record['external'].items()
        for s in _external_sets(internal[0], [(name, ext['data_root'])], [])
    ]
    start = time.time()
    for num, fold in enumerate(todo, 1):
        fold_dir = osp.join(work_dir, f'fold_{fold}')
        print_log(
            f'[crossval] fold {fold} ({num}/{len(todo)}) in {fold_dir}: '
            f'test sets {[s.name for s in sets]}',
            logger='current',
        )
        results = run_fold(cfg, fold, folds, fold_dir, sets)
        if not results:
            print_log(
                f'[crossval] fold {fold}: finished before, skipped.',
                logger='current',
            )
        for name, result in results.items():
            shown = ', '.join(
                f'{k}={v:.2f}'
                for k, v in result['metrics'].items()
                if k in ('seg/DSC', 'seg/mIoU', 'cls/ACC', 'cls/AUC')
                and isinstance(v, float)
            )
            print_log(
                f'[crossval] fold {fold} {name} done after '
                f'{time.time() - start:.0f} s: {shown}',
                logger='current',
            )
    per_set = [
        (s, load_fold_results(work_dir, folds, s.result_file)) for s in sets
    ]
    summary = summarise_run(
        [(s.name, s.info(), res) for s, res in per_set if res],
        method=method,
        config=config,
        run=record,
    )
    _write_summary(work_dir, summary, method)
    return summary


def _write_summary(work_dir: str, summary: Dict[str, Any], method: str):
    with open(osp.join(work_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    with open(osp.join(work_dir, 'summary.md'), 'w') as f:
        f.write(write_summary_md(summary))
    for index, (name, entry) in enumerate(summary['test_sets'].items()):
        if not entry.get('roc'):
            continue
        png = 'roc.png' if index == 0 else f'roc_{name}.png'
        plot_roc(
            entry['roc'],
            osp.join(work_dir, png),
            title=f'{method} on {name}: {len(entry["folds"])}-fold ROC',
        )
    print_log(
        f'[crossval] {len(summary["folds"])} of {summary["num_folds"]} '
        f'folds summarised in {work_dir}/summary.md',
        logger='current',
    )


def load_fold_results(
    work_dir: str, folds: int, result_file: str = FOLD_RESULT
) -> List[Dict[str, Any]]:
    """Read the finished folds' result files, in fold order.

    Args:
        work_dir (str): The run's work dir.
        folds (int): Number of folds.
        result_file (str): ``test_metrics.json`` (the test fold) or
            ``test_metrics_<name>.json`` (a named test set).

    Returns:
        list[dict]: The results found (may be empty).
    """
    results = []
    for fold in range(folds):
        path = osp.join(work_dir, f'fold_{fold}', result_file)
        if osp.isfile(path):
            with open(path) as f:
                results.append(json.load(f))
    return results
