"""Shortcut audit: does the classifier read the lesion, or something else?

The model's classification AUC and ACC on the test split of a config,
computed with :class:`~mmcosa.evaluation.BUSClsMetric`'s maths, on:

(a) ``original``: the images as they are;
(b) ``lesion_hidden``: the lesion neighbourhood hidden by a lesion-blind
    window (:func:`~mmcosa.analysis.hide_lesion`). A model that reads the
    lesion falls toward AUC 0.5; one that stays high reads the context
    (acquisition, anatomy, posterior shadowing beyond the window);
(c) ``lesion_only``: everything outside the same window hidden
    (:func:`~mmcosa.analysis.keep_lesion`); should stay near (a);
(d) ``marks_inpainted``: burnt-in calipers, text and coloured marks
    inpainted (:func:`~mmcosa.analysis.inpaint_marks`), with the number of
    images and pixels touched; a drop means the model read the marks;
(e) ``metadata``: no model at all, a cross-validated logistic regression
    on the image height, width and aspect ratio
    (:func:`~mmcosa.analysis.metadata_scores`), stratified k-fold over the
    same test split: the floor reachable from acquisition cues alone.

Call graph::

    run_shortcut_audit(config, checkpoint, ...)
      ├─ init_model()                      mmcosa.apis
      ├─ iter_audit_samples()              image + mask at original size
      │    └─ per image: hide_lesion / keep_lesion / inpaint_marks,
      │       pack_variant()  (the config's test steps after loading)
      ├─ _predict()  model.test_step per batch -> pred_score (N, C)
      ├─ _metrics()  BUSClsMetric.summarise, per variant
      └─ metadata_scores() -> _metrics()
    format_audit_table(report) -> str
"""

import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.utils import ProgressBar, mkdir_or_exist

from ..apis import init_model
from ..datasets.metainfo import BENIGN_LABEL, CLS_CLASSES, MALIGNANT_LABEL
from ..evaluation.metrics.bus_cls_metric import BUSClsMetric
from .audit_data import chunks, iter_audit_samples, pack_variant
from .lesion_window import check_window_args, hide_lesion, keep_lesion
from .metadata_baseline import FEATURES, metadata_scores
from .overlay_marks import inpaint_marks

__all__ = [
    'VARIANTS',
    'format_audit_table',
    'run_shortcut_audit',
    'write_audit_report',
]

VARIANTS = ('original', 'lesion_hidden', 'lesion_only', 'marks_inpainted')
ROWS = (
    ('original', '(a) images as they are'),
    ('lesion_hidden', '(b) lesion window hidden'),
    ('lesion_only', '(c) only the lesion window'),
    ('marks_inpainted', '(d) overlay marks inpainted'),
    ('metadata', '(e) image size only (log. reg.)'),
)
#: BUSClsMetric's default positive class (the paper's convention).
_DEFAULT_POSITIVE = CLS_CLASSES[BENIGN_LABEL]
#: Labels with a figure (normal images are left out, as in BUSClsMetric).
_EVALUATED = (BENIGN_LABEL, MALIGNANT_LABEL)


def _positive_label(cfg: Config, positive_class: Optional[str]) -> int:
    """The positive label: the argument, else the config's BUSClsMetric
    setting, else benign (the paper's convention)."""
    if positive_class is None:
        evaluators = cfg.get('test_evaluator', None) or []
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        positive_class = next(
            (
                e.get('positive_class', _DEFAULT_POSITIVE)
                for e in evaluators
                if str(e.get('type', '')).endswith('BUSClsMetric')
            ),
            _DEFAULT_POSITIVE,
        )
    if positive_class in _EVALUATED:
        return int(positive_class)
    if positive_class not in CLS_CLASSES:
        raise ValueError(
            f'positive_class must be {" or ".join(map(repr, CLS_CLASSES))}, '
            f'got {positive_class!r}'
        )
    return CLS_CLASSES.index(positive_class)


@torch.no_grad()
def _predict(model, packed: List[dict], batch_size: int) -> np.ndarray:
    """Class probabilities ``(N, C)`` of packed test samples."""
    probs = []
    for batch in chunks(packed, batch_size):
        for sample in model.test_step(pseudo_collate(batch)):
            if 'pred_score' not in sample:
                raise ValueError(
                    'the model gives no class scores (pred_score); the '
                    'audit needs a classification branch (MTL, MTL-SA, '
                    'MTL-COSA or an image classifier), not a '
                    'segmentation-only model'
                )
            probs.append(sample.pred_score.float().cpu().numpy().ravel())
    return np.stack(probs)


def _metrics(probs: np.ndarray, labels: np.ndarray, positive: int) -> dict:
    """BUSClsMetric figures (AUC 0-1, rates in %) of one variant."""
    metrics, _ = BUSClsMetric.summarise(
        list(probs), labels, probs.argmax(axis=1), positive
    )
    return {k: float(v) for k, v in metrics.items()}


def _edit(sample: dict, window_args: dict) -> Tuple[dict, dict]:
    """The four images of one test sample and its per-image record."""
    img, mask = sample['img'], sample['mask']
    edited = dict(original=img)
    edited['lesion_hidden'], hidden_b = hide_lesion(img, mask, **window_args)
    edited['lesion_only'], hidden_c = keep_lesion(img, mask, **window_args)
    edited['marks_inpainted'], _, counts = inpaint_marks(img)
    record = dict(
        img_path=sample['img_path'],
        gt_label=sample['gt_label'],
        shape=list(img.shape[:2]),
        lesion_pixels=int(mask.sum()),
        mark_pixels=counts['inpainted'],
        hidden_fraction=dict(
            lesion_hidden=float(hidden_b.mean()),
            lesion_only=float(hidden_c.mean()),
        ),
    )
    return edited, record


def run_shortcut_audit(
    config: Union[str, Config],
    checkpoint: Optional[str],
    fold: Optional[int] = None,
    device: str = 'cpu',
    cfg_options: Optional[dict] = None,
    positive_class: Optional[str] = None,
    window: str = 'square',
    margin: float = 0.25,
    min_margin: int = 4,
    fill: str = 'median',
    posterior: bool = False,
    meta_folds: int = 5,
    seed: int = 0,
    batch_size: int = 8,
) -> Dict:
    """Run the five settings on the config's test split.

    Args:
        config (str | Config): Model config; its ``test_dataloader`` names
            the test split (a prepared ``BUSDataset`` folder or the
            built-in ``BUSPhantomDataset``).
        checkpoint (str, optional): Checkpoint of the trained model (None
            keeps random weights, for tests).
        fold (int, optional): Cross-validation fold to test; defaults to
            the config's.
        device (str): Torch device. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config.
        positive_class (str, optional): ``'benign'`` or ``'malignant'``;
            defaults to the config's ``BUSClsMetric`` setting.
        window, margin, min_margin: The lesion window
            (:func:`~mmcosa.analysis.lesion_window`).
        fill (str): ``'median'`` or ``'inpaint'`` for hidden pixels.
        posterior (bool): Windows reach down to the image bottom (over
            posterior shadowing / enhancement). Defaults to False.
        meta_folds (int): Folds of the metadata baseline (at most the
            smaller class count). Defaults to 5.
        seed (int): Fold seed of the metadata baseline. Defaults to 0.
        batch_size (int): Test batch size. Defaults to 8.

    Returns:
        dict: ``settings``, ``positive_class``, ``num_images``,
        ``results`` (variant -> metrics: ``AUC``, ``ACC``, ``TPR``, ...;
        plus ``hidden_fraction`` for (b) and (c), ``marks`` for (d),
        ``features`` and ``cv`` for (e)), and ``per_image`` records.
    """
    check_window_args(margin, min_margin, window, fill, posterior)
    for name, value, low in (
        ('batch_size', batch_size, 1),
        ('meta_folds', meta_folds, 2),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f'{name} must be an int, got {value!r}')
        if value < low:
            raise ValueError(f'{name} must be >= {low}, got {value}')
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    cfg = cfg.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    positive = _positive_label(cfg, positive_class)
    model = init_model(cfg, checkpoint, device)
    num, samples, pipeline, ds_cfg = iter_audit_samples(cfg, fold)
    window_args = dict(
        margin=margin,
        min_margin=min_margin,
        shape=window,
        fill=fill,
        posterior=posterior,
    )
    packed: Dict[str, List[dict]] = {v: [] for v in VARIANTS}
    records = []
    progress = ProgressBar(num)
    for sample in samples:
        edited, record = _edit(sample, window_args)
        for name in VARIANTS:
            packed[name].append(pack_variant(pipeline, edited[name], sample))
        records.append(record)
        progress.update()
    labels = np.array([r['gt_label'] for r in records], np.int64)
    results: Dict[str, dict] = {}
    for name in VARIANTS:
        probs = _predict(model, packed.pop(name), batch_size)
        results[name] = _metrics(probs, labels, positive)
        for r, p in zip(records, probs):
            r.setdefault('scores', {})[name] = float(p[positive])
    for name in ('lesion_hidden', 'lesion_only'):
        results[name]['hidden_fraction'] = float(
            np.mean([r['hidden_fraction'][name] for r in records])
        )
    touched = [r['mark_pixels'] for r in records]
    results['marks_inpainted']['marks'] = dict(
        images_touched=int(np.count_nonzero(touched)),
        pixels_inpainted=int(np.sum(touched)),
        pixel_fraction=float(
            np.sum(touched) / sum(np.prod(r['shape']) for r in records)
        ),
    )
    results['metadata'] = _metadata(
        records, labels, positive, meta_folds, seed
    )
    return dict(
        config=getattr(cfg, 'filename', None),
        checkpoint=checkpoint,
        dataset=ds_cfg.get('type'),
        fold=ds_cfg.get('fold'),
        positive_class=CLS_CLASSES[positive],
        num_images=len(records),
        num_evaluated=int(np.isin(labels, _EVALUATED).sum()),
        num_empty_masks=sum(r['lesion_pixels'] == 0 for r in records),
        settings=dict(window_args, meta_folds=meta_folds, seed=seed),
        results=results,
        per_image=records,
    )


def _metadata(
    records: Sequence[dict],
    labels: np.ndarray,
    positive: int,
    num_folds: int,
    seed: int,
) -> dict:
    """(e): out-of-fold logistic regression on the image sizes. The folds
    are capped at the smaller class count (a small test split)."""
    keep = np.isin(labels, (0, 1))
    shapes = [r['shape'] for r, k in zip(records, keep) if k]
    counts = np.bincount(labels[keep], minlength=2)
    folds = int(min(num_folds, counts.min()))
    if folds < 2:
        return dict(
            AUC=float('nan'),
            ACC=float('nan'),
            features=list(FEATURES),
            cv=f'not run: class counts {counts.tolist()}, 2 of each needed',
        )
    out = metadata_scores(shapes, labels[keep], folds, seed)
    metrics = _metrics(out['probs'], labels[keep], positive)
    metrics['features'] = list(FEATURES)
    metrics['cv'] = (
        f'stratified {folds}-fold over the test split (seed {seed})'
    )
    return metrics


def format_audit_table(report: Dict) -> str:
    """The report's AUC / ACC table as Markdown text."""
    res = report['results']
    notes = {
        'lesion_hidden': f'{res["lesion_hidden"]["hidden_fraction"]:.1%} '
        f'of the pixels hidden',
        'lesion_only': f'{res["lesion_only"]["hidden_fraction"]:.1%} '
        f'of the pixels hidden',
        'marks_inpainted': '{images_touched} images, {pixels_inpainted} '
        'pixels inpainted'.format(**res['marks_inpainted']['marks']),
        'metadata': res['metadata']['cv'],
    }
    lines = [
        f'Shortcut audit of {report["config"]} (fold {report["fold"]}, '
        f'{report["num_evaluated"]} test images, positive class: '
        f'{report["positive_class"]})',
        '',
        '| input | AUC | ACC (%) | note |',
        '|---|---|---|---|',
    ]
    for key, title in ROWS:
        lines.append(
            f'| {title} | {res[key]["AUC"]:.3f} | {res[key]["ACC"]:.1f} '
            f'| {notes.get(key, "")} |'
        )
    return '\n'.join(lines)


def write_audit_report(report: Dict, path: str) -> None:
    """Write the report as JSON (the folder is created)."""
    mkdir_or_exist(osp.dirname(osp.abspath(path)))
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(report, f, indent=1)
