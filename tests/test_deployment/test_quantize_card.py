"""int8 quantisation and model cards."""

import json
import os.path as osp

import onnx
import pytest
from mmengine.config import Config

from mmcosa.deployment import (
    OnnxRunner,
    build_model_card,
    compare_predictions,
    format_model_card,
    phantom_images,
    quantize_int8,
    read_metadata,
    write_model_card,
)
from mmcosa.deployment.model_card import (
    audit_summary,
    card_paths,
    data_summary,
)
from mmcosa.deployment.quantize import fp32_nodes


@pytest.fixture(scope='module')
def tiny_int8(tiny_export, tmp_path_factory):
    _, model_file, _ = tiny_export
    out = str(tmp_path_factory.mktemp('int8') / 'tiny.int8.onnx')
    meta = quantize_int8(
        model_file, out, phantom_images(4, seed=5), calibration_note='test'
    )
    return out, meta


def test_int8_model_quantises_backbone_and_keeps_cosa_in_fp32(
    tiny_export, tiny_int8
):
    path, meta = tiny_int8
    assert meta['precision'] == 'int8'
    assert meta['quantization']['calibration_images'] == 4
    assert read_metadata(path) == meta
    graph = onnx.load(path).graph
    producer = {o: n for n in graph.node for o in n.output}
    convs = [n for n in graph.node if n.op_type == 'Conv']
    int8_convs = [
        n
        for n in convs
        if producer.get(n.input[1]) is not None
        and producer[n.input[1]].op_type == 'DequantizeLinear'
    ]
    # Most convolutions (backbone, decoder) take int8 weights ...
    assert len(int8_convs) > len(convs) // 2
    # ... but not the COSA neck's: its Sobel (2 output channels) and box
    # (1 channel, 5x5 ones) convolutions on the binary mask stay exact.
    fp32 = set(fp32_nodes(onnx.load(tiny_export[1]).graph))
    neck = [n for n in convs if n.name in fp32]
    assert len(neck) >= 2
    assert not set(n.name for n in neck) & set(n.name for n in int8_convs)
    # No output is rounded to 8 bits.
    for name in ('seg_logits', 'probs', 'regions'):
        assert producer[name].op_type != 'DequantizeLinear', name


def test_int8_model_runs_and_stays_close(tiny_export, tiny_int8):
    _, fp32_file, _ = tiny_export
    images = phantom_images(4, seed=11)
    fp32, int8 = OnnxRunner(fp32_file), OnnxRunner(tiny_int8[0])
    figures = compare_predictions(
        [fp32(i) for i in images], [int8(i) for i in images]
    )
    assert figures['num_images'] == 4
    # An untrained model: close, not equal (the trained demo model's
    # figures are in docs/en/deployment.md).
    assert 0.5 < figures['iou'] <= 1.0
    assert figures['max_prob_diff'] < 0.2


def test_quantize_needs_calibration_images(tiny_export, tmp_path):
    with pytest.raises(ValueError, match='calibration images'):
        quantize_int8(tiny_export[1], str(tmp_path / 'x.onnx'), [])


def test_model_card_records_data_metrics_and_limits(
    tiny_job, tiny_export, tmp_path
):
    _, model_file, meta = tiny_export
    cfg = Config.fromfile(tiny_job[0])
    card = build_model_card(
        cfg,
        model_file,
        meta,
        checkpoint=tiny_job[1],
        parity=dict(iou=1.0, max_prob_diff=1e-7),
        metrics={'cls/auc': 0.75, 'seg/mDice': 80.0},
        metrics_note='Measured in a test.',
        shortcut_audit=AUDIT,
    )
    assert card['model']['precision'] == 'fp32'
    assert len(card['model']['sha256']) == 64
    assert card['training_data']['dataset_type'] == 'BUSPhantomDataset'
    assert card['training_data']['num_samples'] == 10
    assert card['test_metrics']['positive_class'] == 'benign'
    assert 'not for diagnosis' in card['intended_use']
    audit = card['shortcut_audit']
    assert audit['positive_class'] == 'malignant'
    assert [r['setting'] for r in audit['settings']] == [
        'original',
        'lesion_hidden',
        'lesion_only',
        'marks_inpainted',
        'metadata',
    ]
    assert audit['settings'][1]['AUC'] == 0.68
    assert 'per_image' not in json.dumps(audit)
    md_path, json_path = write_model_card(card, model_file)
    assert (md_path, json_path) == card_paths(model_file)
    assert osp.splitext(md_path)[0].endswith('tiny.card')
    with open(json_path) as f:
        assert json.load(f)['model']['file'] == 'tiny.onnx'
    text = open(md_path).read()
    assert text == format_model_card(card)
    for part in (
        '## Intended use',
        '| cls/auc | 0.75 |',
        'benign',
        '## Shortcut audit',
        '## Known limits',
    ):
        assert part in text


AUDIT = dict(
    config='cfg.py',
    fold=0,
    positive_class='malignant',
    num_evaluated=100,
    results=dict(
        original=dict(AUC=0.953, ACC=90.0),
        lesion_hidden=dict(AUC=0.68, ACC=60.0, hidden_fraction=0.2),
        lesion_only=dict(AUC=0.931, ACC=88.0, hidden_fraction=0.7),
        marks_inpainted=dict(AUC=0.953, ACC=90.0, marks={}),
        metadata=dict(AUC=0.5, ACC=50.0, cv='stratified 5-fold'),
    ),
    per_image=[dict(scores={})] * 3,
)


def test_audit_that_is_not_a_report_is_refused():
    with pytest.raises(ValueError, match='not a report'):
        audit_summary({'AUC': 0.9})


def test_card_without_audit_says_how_to_get_one(tiny_job, tiny_export):
    cfg = Config.fromfile(tiny_job[0])
    card = build_model_card(cfg, tiny_export[1], tiny_export[2])
    assert any('shortcut_audit.py' in limit for limit in card['known_limits'])
    assert card['test_metrics']['values'] is None


def test_data_summary_reads_the_prepared_folder(tmp_path):
    meta = dict(
        source='BUSI',
        num_folds=5,
        counts={'benign': 3},
        duplicates=dict(mode='full', groups=2, features={'x': 1}),
        duplicate_groups=[{}, {}],
        excluded_conflicts=[{}],
    )
    (tmp_path / 'meta.json').write_text(json.dumps(meta))
    cfg = Config(
        dict(
            test_dataloader=dict(
                dataset=dict(
                    type='BUSDataset', data_root=str(tmp_path), fold=2
                )
            )
        )
    )
    summary = data_summary(cfg)
    assert summary['source'] == 'BUSI'
    assert summary['duplicates'] == dict(mode='full', groups=2)
    assert summary['duplicate_groups'] == 2
    assert summary['excluded_conflicts'] == 1
    assert summary['fold'] == 2
    missing = Config(
        dict(
            test_dataloader=dict(
                dataset=dict(
                    type='BUSDataset', data_root=str(tmp_path / 'nope'), fold=0
                )
            )
        )
    )
    assert 'not found' in data_summary(missing)['meta_json']
