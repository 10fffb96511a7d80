"""Plot per-fold and mean ROC curves (matplotlib, Agg backend)."""

import os
import os.path as osp
from typing import Any, Dict

__all__ = ['plot_roc']


def plot_roc(roc: Dict[str, Any], out_file: str, title: str = 'ROC') -> str:
    """Draw the folds' ROC curves, their mean, and their AUCs.

    Args:
        roc (dict): ``summary['roc']`` from
            :func:`mmcosa.evaluation.crossval.summarise_folds`:
            ``positive_class``, ``folds`` (``fold``, ``fpr``, ``tpr``,
            ``auc``) and ``mean`` (``fpr``, ``tpr``, ``auc_mean``,
            ``auc_std``).
        out_file (str): PNG path (folders are created).
        title (str): Figure title.

    Returns:
        str: ``out_file``.
    """
    # The Agg canvas directly: no pyplot, no change of the global backend.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2, 5.0), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for curve in roc['folds']:
        ax.plot(
            curve['fpr'],
            curve['tpr'],
            lw=1,
            alpha=0.45,
            drawstyle='default',
            label=f'fold {curve["fold"]} (AUC {curve["auc"]:.3f})',
        )
    mean = roc.get('mean') or {}
    if mean.get('fpr'):
        ax.plot(
            mean['fpr'],
            mean['tpr'],
            color='k',
            lw=2.2,
            label=f'mean (AUC {mean["auc_mean"]:.3f} ± {mean["auc_std"]:.3f})',
        )
    ax.plot([0, 1], [0, 1], ls='--', color='grey', lw=0.8)
    positive = roc.get('positive_class', 'benign')
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel(f'false positive rate ({positive} positive)')
    ax.set_ylabel('true positive rate')
    ax.set_title(title)
    ax.set_aspect('equal')
    ax.grid(alpha=0.3)
    ax.legend(loc='lower right', fontsize=7)
    fig.tight_layout()
    folder = osp.dirname(osp.abspath(out_file))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(out_file)
    return out_file
