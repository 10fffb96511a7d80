"""The backends section of tools/analysis_tools/benchmark.py: a tiny run
(r18 MTL-COSA at 64x64, the phantom's test split) through the command
line, both bf16 branches, the figures recomputed from the raw data, and
the flag detection, summary and options on hand-made inputs (no timing is
asserted)."""

import json

import numpy as np
import pytest
import torch

import mmcosa  # noqa: F401  (registers the models)
from mmcosa.apis import init_model
from mmcosa.datasets.metainfo import MALIGNANT_LABEL
from mmcosa.deployment import (
    OnnxRunner,
    compare_predictions,
    torch_predictions,
)
from mmcosa.evaluation.metrics.bus_cls_metric import BUSClsMetric
from mmcosa.utils import cpu_features
from tools.analysis_tools.benchmark_lib import (
    PATHS,
    BackendOptions,
    BenchmarkOptions,
    bench_backends,
    bf16_support,
    cpu_flags,
    default_config_dir,
    format_backends,
    format_report,
    int8_support,
    main,
    median,
    summarise_backends,
)
from tools.analysis_tools.benchmark_lib import backends as backends_module
from tools.analysis_tools.benchmark_lib.backend_accuracy import (
    first_test_images,
)
from tools.analysis_tools.benchmark_lib.backend_paths import OrtPath

AVX2_ONLY = frozenset({'fpu', 'avx', 'avx2', 'fma'})
NUM_IMAGES = 6  # the phantom's test split: 4 benign, then malignant


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A 64x64 copy of the phantom config and a random-weight checkpoint."""
    root = tmp_path_factory.mktemp('backends')
    config = root / 'tiny64.py'
    config.write_text(
        f"_base_ = ['{default_config_dir()}/mtl_cosa_r18_phantom.py']\n"
        'model = dict(data_preprocessor=dict(size=(64, 64)))\n'
    )
    torch.manual_seed(0)
    model = init_model(str(config), None)
    checkpoint = root / 'random.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    return dict(root=root, config=str(config), checkpoint=str(checkpoint))


@pytest.fixture(scope='module')
def run(tiny):
    """The section alone through the CLI on an AVX2-only CPU (flags
    patched); returns (result, JSON, work dir)."""
    out, work = tiny['root'] / 'result.json', tiny['root'] / 'onnx'
    argv = [
        '--only-backends', '--backend-config', tiny['config'],
        '--backend-repeats', '2', '--backend-warmup', '0',
        '--calibration-images', '2', '--threads', '1',
        '--deploy-config', tiny['config'],
        '--deploy-checkpoint', tiny['checkpoint'],
        '--accuracy-images', str(NUM_IMAGES),
        '--backend-work-dir', str(work), '--out', str(out),
    ]  # fmt: skip
    threads = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cpu_features, 'cpu_flags', lambda: AVX2_ONLY)
        try:
            result = main(argv)
        finally:
            torch.set_num_threads(threads)
    with open(out, encoding='utf-8') as f:
        return result, json.load(f), work


def test_four_rows_and_bf16_skipped_with_reason(run):
    _, data, _ = run
    section = data['backends']
    assert 'rows' not in data  # the models' section did not run
    assert list(section['rows']) == list(PATHS)
    bf16 = section['rows']['PyTorch bf16']
    assert bf16 == dict(
        status='skipped', reason=section['cpu']['bf16']['reason']
    )
    assert (
        'avx512_bf16' in bf16['reason']
        and 'PyTorch bf16' not in (section['times'])
    )
    assert section['cpu']['int8'] == dict(
        vnni=False, note='no VNNI: u8s8 kernels on AVX2'
    )
    assert section['input_size'] == [64, 64] and section['threads'] == 1
    assert section['int8']['calibration_images'] == 2
    assert len(section['load_avg_1m_rounds']) == 2


def test_ratios_are_computed_from_the_medians(run):
    _, data, _ = run
    section = data['backends']
    times = section['times']
    ref = times['PyTorch fp32']
    for name in ('PyTorch fp32', 'ORT fp32', 'ORT int8'):
        row, t = section['rows'][name], times[name]
        assert len(t) == 2 and row['status'] == 'timed'
        assert row['median_ms_per_image'] == pytest.approx(1e3 * median(t))
        assert row['min_ms_per_image'] == pytest.approx(1e3 * min(t))
        assert row['ratio_vs_fp32'] == pytest.approx(median(t) / median(ref))
        assert row['ratio_vs_fp32_minima'] == pytest.approx(min(t) / min(ref))
    int8 = section['rows']['ORT int8']
    assert int8['ratio_vs_ort_fp32'] == pytest.approx(
        median(times['ORT int8']) / median(times['ORT fp32'])
    )
    target = section['target']
    assert target['path'] == 'ORT int8' and target['limit'] == 0.55
    assert target['value'] == int8['ratio_vs_fp32']
    assert target['met'] == (int8['ratio_vs_fp32'] <= 0.55)


def test_accuracy_matches_compare_predictions(run, tiny):
    _, data, work = run
    acc = data['backends']['accuracy']
    assert acc['num_images'] == NUM_IMAGES
    model = init_model(tiny['config'], tiny['checkpoint'])
    images, labels = first_test_images(model.cfg, NUM_IMAGES)
    assert [img.shape for img in images] == [(128, 128, 3)] * NUM_IMAGES
    assert images[0].dtype == np.uint8
    assert acc['num_malignant'] == int((labels == MALIGNANT_LABEL).sum()) == 2
    reference = torch_predictions(model, images)

    def auc(preds):
        scores = [p['probs'][MALIGNANT_LABEL] for p in preds]
        return BUSClsMetric.auc(np.array(scores), labels == MALIGNANT_LABEL)

    for name, file in (('ORT fp32', 'fp32'), ('ORT int8', 'int8')):
        runner = OnnxRunner(str(work / 'deploy' / f'{file}.onnx'), 1)
        preds = [runner(img) for img in images]
        row = acc['rows'][name]
        for key, value in compare_predictions(reference, preds).items():
            assert row[key] == pytest.approx(value), (name, key)
        assert row['auc'] == pytest.approx(auc(preds))
        assert row['auc_diff'] == pytest.approx(auc(preds) - auc(reference))
    fp32 = acc['rows']['ORT fp32']
    assert fp32['iou'] > 0.999 and fp32['max_prob_diff'] < 1e-4
    assert fp32['met'] is True
    assert acc['rows']['PyTorch fp32']['iou'] == 1.0
    assert acc['rows']['PyTorch bf16']['status'] == 'skipped'


def test_timed_ort_session_is_the_runners_without_spinning(run):
    _, data, work = run
    file = str(work / 'fp32.onnx')
    path, runner = OrtPath(file, 1), OnnxRunner(file, 1)
    options = path.session.get_session_options()
    assert options.intra_op_num_threads == 1
    entry = 'session.intra_op.allow_spinning'
    assert options.get_session_config_entry(entry) == '0'
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64))
    x = x.astype(np.float32)
    got, expected = path.run_batch(x), runner.run_batch(x)
    assert list(got) == list(expected) == ['seg_logits', 'probs', 'regions']
    for name in got:
        np.testing.assert_array_equal(got[name], expected[name])


def test_table_prints_skipped_and_verdicts(run):
    result, _, _ = run
    text = format_report(result)
    assert 'PyTorch bf16 SKIPPED: the CPU has none of avx512_bf16' in text
    assert '| PyTorch bf16 |' in text and 'SKIPPED' in text
    target = result['backends']['target']
    verdict = 'PASS' if target['met'] else 'FAIL'
    assert (
        'Target reduced path <= 0.55x fp32 PyTorch (ratio of medians): '
        f'ORT int8 {target["value"]:.3f}x {verdict}.'
    ) in text
    assert 'no VNNI: u8s8 kernels on AVX2' in text
    assert 'Accuracy of' in text and 'mask IoU vs fp32' in text
    assert '| ORT fp32     |' in text and 'reference' in text
    assert '| n/a |' not in text  # both classes among the 6 images


def test_bf16_timed_where_the_cpu_has_it(tiny, monkeypatch):
    monkeypatch.setattr(
        backends_module,
        'bf16_support',
        lambda: dict(supported=True, source='test', reason='forced'),
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        section = bench_backends(
            BackendOptions(
                config=tiny['config'],
                repeats=1,
                warmup=0,
                calibration_images=1,
                deploy_config=tiny['config'],
                deploy_checkpoint=tiny['checkpoint'],
                accuracy_images=2,
            ),
            default_config_dir(),
        )
    finally:
        torch.set_num_threads(threads)
    row = section['rows']['PyTorch bf16']
    assert row['status'] == 'timed' and row['median_ms_per_image'] > 0
    assert isinstance(row['met'], bool)
    acc = section['accuracy']['rows']['PyTorch bf16']
    assert 0 <= acc['iou'] <= 1 and 0 <= acc['max_prob_diff'] <= 1
    # Two benign images: no AUC, and the verdict leaves it out.
    assert acc['auc'] is None and acc['auc_diff'] is None
    fp32 = section['accuracy']['rows']['ORT fp32']
    assert fp32['met'] is True and fp32['auc'] is None
    assert 'SKIPPED' not in format_backends(section)


def test_summarise_backends_by_hand():
    times = {
        'PyTorch fp32': [0.30, 0.34],
        'ORT fp32': [0.20, 0.22],
        'ORT int8': [0.15, 0.19],
    }
    out = summarise_backends(times, {'PyTorch bf16': 'no bf16'}, 2)
    fp32, int8 = out['rows']['PyTorch fp32'], out['rows']['ORT int8']
    assert fp32['median_ms_per_image'] == pytest.approx(160.0)  # 0.32 s / 2
    assert fp32['min_ms_per_image'] == pytest.approx(150.0)
    assert int8['ratio_vs_fp32'] == pytest.approx(0.17 / 0.32)
    assert int8['ratio_vs_fp32_paired'] == pytest.approx(
        (0.15 / 0.30 + 0.19 / 0.34) / 2
    )
    assert int8['ratio_vs_fp32_minima'] == pytest.approx(0.5)
    assert int8['ratio_vs_ort_fp32'] == pytest.approx(0.17 / 0.21)
    assert int8['met'] is True  # 0.531 <= 0.55
    assert 'met' not in out['rows']['ORT fp32']
    assert out['rows']['PyTorch bf16'] == dict(
        status='skipped', reason='no bf16'
    )
    assert out['target'] == dict(
        limit=0.55, path='ORT int8', value=int8['ratio_vs_fp32'], met=True
    )
    # bf16 faster than int8 but above the target: the best path decides.
    times['PyTorch bf16'] = [0.18, 0.18]
    times['ORT int8'] = [0.19, 0.21]
    out = summarise_backends(times, {}, 1)
    assert out['target']['path'] == 'PyTorch bf16'
    assert out['target']['met'] is False  # 0.5625 > 0.55
    assert out['rows']['ORT int8']['met'] is False


def test_no_reduced_path_fails_the_target():
    times = {'PyTorch fp32': [1.0], 'ORT fp32': [0.5]}
    skipped = {'PyTorch bf16': 'no bf16', 'ORT int8': 'not built'}
    out = summarise_backends(times, skipped, 1)
    assert out['target'] == dict(limit=0.55, path=None, value=None, met=False)
    assert 'ratio_vs_ort_fp32' not in out['rows']['ORT fp32']


@pytest.mark.parametrize(
    'flags, supported, words',
    [
        (AVX2_ONLY, False, 'none of avx512_bf16, amx_bf16'),
        (AVX2_ONLY | {'avx512_bf16'}, True, 'native bf16: avx512_bf16'),
        (AVX2_ONLY | {'amx_bf16'}, True, 'native bf16: amx_bf16'),
        (frozenset({'asimd', 'bf16'}), True, 'native bf16: bf16'),  # Arm
    ],
)
def test_bf16_support_from_flags(flags, supported, words):
    out = bf16_support(flags)
    assert out['supported'] is supported and words in out['reason']
    assert out['source'] == '/proc/cpuinfo'


def test_bf16_support_off_linux_asks_torch(monkeypatch):
    monkeypatch.setattr(cpu_features, 'cpu_flags', lambda: None)
    monkeypatch.setattr(cpu_features, '_torch_bf16', lambda: True)
    out = bf16_support()
    assert out['supported'] is True and out['source'] == 'torch'
    assert 'CPU capability' in out['reason']


@pytest.mark.parametrize(
    'flags, vnni, note',
    [
        (AVX2_ONLY, False, 'no VNNI: u8s8 kernels on AVX2'),
        (AVX2_ONLY | {'avx_vnni'}, True, 'VNNI (avx_vnni)'),
        (AVX2_ONLY | {'avx512_vnni'}, True, 'VNNI (avx512_vnni)'),
        (frozenset({'sse4_2'}), False, "no VNNI: u8s8 kernels on the CPU's"),
    ],
)
def test_int8_support_from_flags(flags, vnni, note):
    out = int8_support(flags)
    assert out['vnni'] is vnni and out['note'].startswith(note)


def test_int8_support_unknown_off_linux(monkeypatch):
    monkeypatch.setattr(cpu_features, 'cpu_flags', lambda: None)
    assert int8_support()['vnni'] is None


def test_cpu_flags_read_from_cpuinfo(tmp_path, monkeypatch):
    x86 = tmp_path / 'x86'
    x86.write_text('processor\t: 0\nflags\t\t: fpu avx2 avx512_vnni\n')
    arm = tmp_path / 'arm'
    arm.write_text('processor\t: 0\nFeatures\t: fp asimd bf16\n')
    empty = tmp_path / 'empty'
    empty.write_text('processor\t: 0\n')
    monkeypatch.setattr(cpu_features.platform, 'system', lambda: 'Linux')
    assert cpu_flags(str(x86)) == {'fpu', 'avx2', 'avx512_vnni'}
    assert cpu_flags(str(arm)) == {'fp', 'asimd', 'bf16'}
    assert cpu_flags(str(empty)) is None
    assert cpu_flags(str(tmp_path / 'missing')) is None
    monkeypatch.setattr(cpu_features.platform, 'system', lambda: 'Darwin')
    assert cpu_flags(str(x86)) is None


@pytest.mark.parametrize(
    'kwargs, error, match',
    [
        (dict(batch_size=0), ValueError, 'batch_size=0'),
        (dict(repeats=0), ValueError, 'repeats=0'),
        (dict(calibration_images=0), ValueError, 'calibration_images=0'),
        (dict(accuracy_images=0), ValueError, 'accuracy_images=0'),
        (dict(warmup=-1), ValueError, 'warmup=-1'),
        (dict(deploy_config='a.py'), ValueError, 'needs both'),
        (dict(deploy_checkpoint='a.pth'), ValueError, 'needs both'),
        (dict(config='missing.py'), FileNotFoundError, "config='missing.py'"),
        (
            dict(deploy_config='missing.py', deploy_checkpoint='m.pth'),
            FileNotFoundError,
            "deploy_config='missing.py'",
        ),
    ],
)
def test_backend_options_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        BackendOptions(**kwargs)


def test_only_backends_needs_the_section():
    with pytest.raises(ValueError, match='only_backends=True needs'):
        BenchmarkOptions(only_backends=True)


def test_cli_turns_the_section_on_with_the_accuracy_flags():
    with pytest.raises(ValueError, match='needs both'):
        main(['--deploy-config', f'{default_config_dir()}/x.py'])


def test_first_test_images_needs_a_test_split(tiny):
    from mmengine.config import Config

    cfg = Config.fromfile(tiny['config'])
    cfg.test_dataloader = None
    cfg.val_dataloader = None
    with pytest.raises(ValueError, match='no test_dataloader'):
        first_test_images(cfg, 2)
