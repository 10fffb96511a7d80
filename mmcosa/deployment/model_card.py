"""A model card (Markdown + JSON) written next to every exported model.

What a reader of the model needs before trusting a prediction: which
config and checkpoint, which data and split, the checkpoint's test metrics
with their positive-class convention, the export's parity figures, the
intended use (research, not diagnosis) and the known limits (data sets,
the duplicates policy, shortcut-audit figures when an audit was run).
"""

import hashlib
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional

from mmengine.config import Config

from mmcosa.datasets.metainfo import BENIGN_LABEL, CLS_CLASSES
from mmcosa.version import __version__

__all__ = [
    'INTENDED_USE',
    'audit_summary',
    'build_model_card',
    'card_paths',
    'data_summary',
    'file_sha256',
    'format_model_card',
    'write_model_card',
]

INTENDED_USE = (
    'Research on breast-ultrasound tumour segmentation and benign / '
    'malignant classification. Not a medical device and not for diagnosis: '
    'no regulatory clearance, no prospective or multi-centre validation. A '
    'prediction must not guide the care of a patient.'
)
_LIMITS = (
    'Trained and evaluated on a public single-centre data set (BUSI or '
    'UDIAT, each from one hospital and few scanner models) or on the '
    'synthetic phantom: performance on other scanners, presets and '
    'populations is unknown.',
    'BUSI holds near-duplicate images of one lesion; cross-validation '
    'figures are trustworthy only with duplicates kept in one fold (see '
    'the duplicates policy under training data).',
    'Image size, burnt-in marks and the acoustic shadow below a lesion can '
    'act as shortcuts for the class; see the shortcut audit.',
    'The classifier sees one image; the clinical BI-RADS assessment uses '
    'several views, elastography and history.',
)


def file_sha256(path: str) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def card_paths(model_file: str) -> tuple:
    """``(markdown, json)`` paths of the card of ``model_file``."""
    stem = osp.splitext(model_file)[0]
    return f'{stem}.card.md', f'{stem}.card.json'


def _test_dataset(cfg: Config) -> Optional[dict]:
    loader = cfg.get('test_dataloader', None) or {}
    dataset = loader.get('dataset', None)
    while isinstance(dataset, dict) and 'dataset' in dataset:
        dataset = dataset['dataset']
    return dataset if isinstance(dataset, dict) else None


def data_summary(cfg: Config) -> Dict[str, Any]:
    """Training data, split and duplicates policy as the config names them.

    For a prepared folder the converter's ``meta.json`` adds the source,
    the counts and the duplicates record.
    """
    dataset = _test_dataset(cfg) or {}
    kind = str(dataset.get('type', 'unknown')).split('.')[-1]
    out: Dict[str, Any] = dict(dataset_type=kind, fold=dataset.get('fold'))
    if kind == 'BUSPhantomDataset':
        out.update(
            data='embedded synthetic phantom (mmcosa.datasets.phantom), no '
            'patient data',
            num_samples=dataset.get('num_samples'),
            seed=dataset.get('seed'),
            num_folds=dataset.get('num_folds'),
            split='train = the other folds, test = fold '
            f'{dataset.get("fold")}, stratified by label',
            duplicates='none by construction',
        )
        return out
    root = dataset.get('data_root', None) or cfg.get('data_root', None)
    out.update(
        data_root=root,
        split=f"fold {dataset.get('fold')} of the folder's splits/ "
        '(train = the other folds)',
    )
    meta_file = osp.join(str(root), 'meta.json') if root else None
    if meta_file and osp.isfile(meta_file):
        try:
            with open(meta_file, encoding='utf-8') as f:
                meta = json.load(f)
        except (OSError, ValueError) as err:
            out['meta_json'] = f'unreadable: {err}'
            return out
        dup = dict(meta.get('duplicates', {}) or {})
        dup.pop('features', None)
        dup.pop('checks', None)
        out.update(
            source=meta.get('source'),
            num_folds=meta.get('num_folds'),
            counts=meta.get('counts'),
            duplicates=dup,
            duplicate_groups=len(meta.get('duplicate_groups', []) or []),
            excluded_conflicts=len(meta.get('excluded_conflicts', []) or []),
        )
    else:
        out['meta_json'] = (
            f'not found at {meta_file}: data source and duplicates policy '
            f'unknown to this card'
        )
    return out


def _positive_class(cfg: Config) -> Optional[str]:
    evaluators = cfg.get('test_evaluator', None) or []
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    for metric in evaluators:
        if str(metric.get('type', '')).endswith('BUSClsMetric'):
            # BUSClsMetric's default, the paper's convention.
            return metric.get('positive_class', CLS_CLASSES[BENIGN_LABEL])
    return None


def build_model_card(
    cfg: Config,
    model_file: str,
    export_meta: Dict[str, Any],
    checkpoint: Optional[str] = None,
    parity: Optional[Dict[str, Any]] = None,
    metrics: Optional[Dict[str, float]] = None,
    metrics_note: Optional[str] = None,
    shortcut_audit: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """The card as a JSON-ready dict.

    Args:
        cfg (Config): The model config.
        model_file (str): The exported ``.onnx``.
        export_meta (dict): Its metadata record.
        checkpoint (str, optional): The checkpoint it came from.
        parity (dict, optional): Parity figures of the export.
        metrics (dict, optional): Test metrics of the checkpoint.
        metrics_note (str, optional): Why there are no metrics, or where
            they come from.
        shortcut_audit (dict, optional): A report of
            ``tools/analysis_tools/shortcut_audit.py --out``.

    Returns:
        dict: The card.
    """
    positive = _positive_class(cfg)
    limits: List[str] = list(_LIMITS)
    audit = audit_summary(shortcut_audit) if shortcut_audit else None
    if audit is None:
        limits.append(
            'No shortcut audit was attached to this export: run '
            'tools/analysis_tools/shortcut_audit.py and re-export with '
            '--shortcut-audit to record its figures here.'
        )
    return dict(
        model=dict(
            file=osp.basename(model_file),
            sha256=file_sha256(model_file),
            precision=export_meta.get('precision', 'fp32'),
            config=export_meta.get('config'),
            input_size=export_meta['preprocess']['input_size'],
            outputs=export_meta.get('outputs'),
            classes=export_meta.get('classes'),
            produced_by=f'mmcosa {__version__}',
        ),
        checkpoint=dict(
            file=osp.basename(checkpoint) if checkpoint else None,
            sha256=file_sha256(checkpoint)
            if checkpoint and osp.isfile(checkpoint)
            else None,
        ),
        training_data=data_summary(cfg),
        test_metrics=dict(
            values=metrics,
            note=metrics_note,
            positive_class=positive,
            convention=None
            if positive is None
            else f'sensitivity, specificity, precision and F1 count '
            f'{positive!r} as the positive class; AUC ranks p({positive}); '
            f'seg/* are of the tumour class per image then averaged, '
            f'seg/pooled/* over all pixels of the split',
        ),
        parity=parity,
        quantization=export_meta.get('quantization'),
        intended_use=INTENDED_USE,
        known_limits=limits,
        shortcut_audit=audit,
    )


def audit_summary(report: Dict[str, Any]) -> Dict[str, Any]:
    """The figures of a shortcut-audit report that belong on a card.

    Args:
        report (dict): As written by
            ``tools/analysis_tools/shortcut_audit.py --out``.

    Returns:
        dict: ``config``, ``fold``, ``positive_class``, ``num_evaluated``
        and per setting (ROWS of :mod:`mmcosa.analysis.shortcut_audit`)
        its title, AUC and ACC.

    Raises:
        ValueError: If ``report`` is not a shortcut-audit report.
    """
    from mmcosa.analysis.shortcut_audit import ROWS

    results = report.get('results', None)
    if not isinstance(results, dict) or not all(k in results for k, _ in ROWS):
        raise ValueError(
            'the --shortcut-audit file is not a report of '
            'tools/analysis_tools/shortcut_audit.py --out (no results for '
            f'{", ".join(k for k, _ in ROWS)}).'
        )
    return dict(
        config=report.get('config'),
        fold=report.get('fold'),
        positive_class=report.get('positive_class'),
        num_evaluated=report.get('num_evaluated'),
        settings=[
            dict(
                setting=key,
                title=title,
                AUC=results[key].get('AUC'),
                ACC=results[key].get('ACC'),
            )
            for key, title in ROWS
        ],
    )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f'{value:.4g}'
    return str(value)


def format_model_card(card: Dict[str, Any]) -> str:
    """The card as Markdown."""
    model, ckpt = card['model'], card['checkpoint']
    lines = [
        f'# Model card: {model["file"]}',
        '',
        '## Model',
        f'- Config: `{model["config"]}`; precision {model["precision"]}; '
        f'input {model["input_size"][0]}x{model["input_size"][1]}',
        f'- Outputs: {", ".join(model["outputs"] or [])}; classes: '
        f'{", ".join(model["classes"] or []) or "none"}',
        f'- SHA-256: `{model["sha256"]}`',
        f'- Checkpoint: `{ckpt["file"]}` (SHA-256 `{ckpt["sha256"]}`)',
        '',
        '## Intended use',
        card['intended_use'],
        '',
        '## Training data and split',
    ]
    lines += [
        f'- {key}: {_fmt(value)}'
        for key, value in card['training_data'].items()
        if value is not None
    ]
    metrics = card['test_metrics']
    lines += ['', '## Test metrics of this checkpoint']
    if metrics['values']:
        lines += ['| metric | value |', '|---|---|']
        values = sorted(metrics['values'].items())
        lines += [f'| {k} | {_fmt(v)} |' for k, v in values]
    if metrics['note']:
        lines.append(f'\n{metrics["note"]}')
    if metrics['convention']:
        lines.append(f'\nConvention: {metrics["convention"]}.')
    if card['parity']:
        lines += ['', '## Export parity (against the PyTorch model)']
        lines += [f'- {k}: {_fmt(v)}' for k, v in card['parity'].items()]
    if card['quantization']:
        lines += ['', '## Quantisation']
        lines += [f'- {k}: {_fmt(v)}' for k, v in card['quantization'].items()]
    lines += ['', '## Known limits']
    lines += [f'- {limit}' for limit in card['known_limits']]
    audit = card['shortcut_audit']
    if audit:
        lines += [
            '',
            '## Shortcut audit',
            f'`{audit["config"]}`, fold {audit["fold"]}, '
            f'{audit["num_evaluated"]} test images, positive class '
            f'{audit["positive_class"]}:',
            '',
            '| input | AUC | ACC (%) |',
            '|---|---|---|',
        ]
        lines += [
            f'| {row["title"]} | {_fmt(row["AUC"])} | {_fmt(row["ACC"])} |'
            for row in audit['settings']
        ]
    return '\n'.join(lines) + '\n'


def write_model_card(card: Dict[str, Any], model_file: str) -> tuple:
    """Write ``<stem>.card.md`` and ``<stem>.card.json`` beside the model.

    Returns:
        tuple[str, str]: The two paths.
    """
    md_path, json_path = card_paths(model_file)
    for path, text in (
        (json_path, json.dumps(card, indent=1, default=str) + '\n'),
        (md_path, format_model_card(card)),
    ):
        tmp = f'{path}.partial'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(tmp, path)
    return md_path, json_path
