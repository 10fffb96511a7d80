"""K-fold cross-validation: train and test every fold, then summarise.

Call graph::

    run_crossval(config, work_dir, folds)
      for k in folds:
        fold_k/test_metrics.json exists? -> skip (resumable)
        fold_config(cfg, k, folds)       fold=k on train/val/test datasets
        Runner.from_cfg(cfg).train()     in-process; resumes an interrupted
        runner.test()                    fold from its last checkpoint
        write fold_k/test_metrics.json   metrics + class scores + ROC
      summarise_folds(...)               -> summary.json, summary.md
      plot_roc(...)                      -> roc.png

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
from typing import Any, Dict, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from .crossval_summary import summarise_folds, write_summary_md
from .roc_plot import plot_roc

__all__ = ['fold_config', 'load_fold_results', 'run_crossval', 'run_fold']

#: File whose presence marks a finished fold.
FOLD_RESULT = 'test_metrics.json'


def _set_fold(node: Any, fold: int, num_folds: int) -> int:
    """Set ``fold`` on every dataset dict below ``node``; count them."""
    count = 0
    if isinstance(node, dict):
        kind = str(node.get('type', ''))
        if 'fold' in node or kind.split('.')[-1] in (
            'BUSDataset',
            'BUSPhantomDataset',
        ):
            node['fold'] = fold
            if 'num_folds' in node:
                node['num_folds'] = num_folds
            count += 1
        for key in ('dataset', 'datasets'):
            if key in node:
                count += _set_fold(node[key], fold, num_folds)
    elif isinstance(node, (list, tuple)):
        for item in node:
            count += _set_fold(item, fold, num_folds)
    return count


def fold_config(
    cfg: Config, fold: int, num_folds: int, work_dir: str
) -> Config:
    """A copy of ``cfg`` set up to train and test fold ``fold``.

    Sets ``fold`` (and ``num_folds`` where the dataset config names it) on
    every dataset of the train, val and test dataloaders, unwrapping
    ``dataset`` / ``datasets`` wrappers (RepeatDataset, ConcatDataset, ...).

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
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key, None)
        if not loader:
            continue
        if not _set_fold(loader.get('dataset', None), fold, num_folds):
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


def _cls_metric(runner) -> Optional[Any]:
    from mmcosa.evaluation import BUSClsMetric

    for metric in runner.test_evaluator.metrics:
        if isinstance(metric, BUSClsMetric):
            return metric
    return None


def _jsonable(value: Any) -> Any:
    if hasattr(value, 'item'):
        return value.item()
    return value


def run_fold(
    cfg: Config, fold: int, num_folds: int, fold_dir: str
) -> Dict[str, Any]:
    """Train and test one fold in this process; write its result file.

    Args:
        cfg (Config): The method's config.
        fold (int): Fold index.
        num_folds (int): Number of folds.
        fold_dir (str): Work dir of the fold.

    Returns:
        dict: ``metrics`` (test metrics), ``cls_scores`` (``probs``,
        ``gt_label``, ``pred_label`` lists, when the config has a
        ``BUSClsMetric``), ``fold``.
    """
    from mmengine.runner import Runner

    fcfg = fold_config(cfg, fold, num_folds, fold_dir)
    if 'runner_type' in fcfg:
        from mmseg.registry import RUNNERS

        runner = RUNNERS.build(fcfg)
    else:
        runner = Runner.from_cfg(fcfg)
    runner.train()
    metrics = runner.test()
    result: Dict[str, Any] = dict(
        fold=fold, metrics={k: _jsonable(v) for k, v in metrics.items()}
    )
    cls_metric = _cls_metric(runner)
    if cls_metric is not None and cls_metric.scores:
        result['cls_scores'] = dict(
            probs=cls_metric.scores['probs'],
            gt_label=cls_metric.scores['all_gt_label'],
            pred_label=cls_metric.scores['all_pred_label'],
        )
    tmp = osp.join(fold_dir, FOLD_RESULT + '.tmp')
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, osp.join(fold_dir, FOLD_RESULT))
    # Free this fold's model and data before the next fold is built.
    del runner
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return result


def run_crossval(
    config: str,
    work_dir: str,
    folds: int = 5,
    cfg_options: Optional[dict] = None,
    only_folds: Optional[Sequence[int]] = None,
    method: Optional[str] = None,
) -> Dict[str, Any]:
    """Cross-validate a config: train + test each fold, then summarise.

    Resumable: a fold whose ``fold_<k>/test_metrics.json`` exists is not
    trained again; an interrupted fold resumes from its last checkpoint.

    Args:
        config (str): Config file of the method.
        work_dir (str): Output folder; fold ``k`` works in ``fold_<k>/``.
        folds (int): Number of folds K (the dataset's splits must have K
            folds; ``num_folds`` is set where the dataset config names it).
            Defaults to 5.
        cfg_options (dict, optional): Overrides merged into the config.
        only_folds (Sequence[int], optional): Run only these folds (the
            summary uses every finished fold). Defaults to all.
        method (str, optional): Method name in the tables. Defaults to the
            config file name.

    Returns:
        dict: The summary written to ``summary.json``.

    Raises:
        FileNotFoundError: If the config does not exist.
        ValueError: For ``folds < 2`` or a fold index out of range.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist.')
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f'folds must be an int >= 2, got {folds!r}.')
    todo = list(range(folds)) if only_folds is None else list(only_folds)
    bad = [k for k in todo if not 0 <= k < folds]
    if bad:
        raise ValueError(f'fold indices {bad} are outside 0..{folds - 1}.')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    method = method or osp.splitext(osp.basename(config))[0]
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    for num, fold in enumerate(todo, 1):
        fold_dir = osp.join(work_dir, f'fold_{fold}')
        done = osp.join(fold_dir, FOLD_RESULT)
        if osp.isfile(done):
            print_log(
                f'[crossval] fold {fold} ({num}/{len(todo)}): '
                f'finished before ({done}), skipped.',
                logger='current',
            )
            continue
        print_log(
            f'[crossval] fold {fold} ({num}/{len(todo)}): training '
            f'in {fold_dir}',
            logger='current',
        )
        result = run_fold(cfg, fold, folds, fold_dir)
        shown = ', '.join(
            f'{k}={v:.2f}'
            for k, v in result['metrics'].items()
            if k in ('seg/DSC', 'seg/mIoU', 'cls/ACC', 'cls/AUC')
            and isinstance(v, float)
        )
        print_log(
            f'[crossval] fold {fold} done after '
            f'{time.time() - start:.0f} s: {shown}',
            logger='current',
        )
    results = load_fold_results(work_dir, folds)
    summary = summarise_folds(results, method=method, config=config)
    with open(osp.join(work_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    with open(osp.join(work_dir, 'summary.md'), 'w') as f:
        f.write(write_summary_md(summary))
    if summary.get('roc'):
        plot_roc(
            summary['roc'],
            osp.join(work_dir, 'roc.png'),
            title=f'{method}: {len(results)}-fold ROC',
        )
    print_log(
        f'[crossval] {len(results)} of {folds} folds summarised in '
        f'{work_dir}/summary.md',
        logger='current',
    )
    return summary


def load_fold_results(work_dir: str, folds: int) -> List[Dict[str, Any]]:
    """Read the finished folds' ``test_metrics.json`` files, in order."""
    results = []
    for fold in range(folds):
        path = osp.join(work_dir, f'fold_{fold}', FOLD_RESULT)
        if osp.isfile(path):
            with open(path) as f:
                results.append(json.load(f))
    if not results:
        raise ValueError(
            f'no finished fold in {work_dir!r} (no fold_<k>/{FOLD_RESULT}).'
        )
    return results
