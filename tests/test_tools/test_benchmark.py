"""tools/analysis_tools/benchmark.py: a tiny smoke run producing every
figure, and the benchmark's parts on hand-made inputs (no timing is
asserted)."""

import copy
import json
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.analysis import FlopAnalyzer

import mmcosa  # noqa: F401  (registers the models)
from tools.analysis_tools.benchmark_lib import (
    BenchmarkOptions,
    MemoryProbe,
    bench_cls_branch,
    bench_data_pipeline,
    bench_region_split,
    build_model,
    count_ops,
    default_config_dir,
    format_report,
    main,
    make_batch,
    make_optim_wrapper,
    median,
    op_time_diff,
    op_times,
    sdpa_flop_jit,
    summarise,
    time_call,
)
from tools.analysis_tools.benchmark_lib.runner import _device, _pipeline_memory

ROWS = ('UResNet', 'MTL', 'MTL-SA', 'MTL-COSA', 'ResNet-101 cls')
ROW_KEYS = (
    'params',
    'gmacs',
    'gflops',
    'train_step_ms',
    'train_step_min_ms',
    'train_ms_per_image',
    'train_images_per_s',
    'infer_ms_per_image',
    'infer_min_ms_per_image',
    'infer_images_per_s',
    'train_tflops',
    'infer_tflops',
    'train_peak_fraction',
    'infer_peak_fraction',
    'weights_mib',
    'train_state_mib',
    'train_peak_mib',
    'infer_peak_mib',
)
SMOKE_ARGS = [
    '--depth', '18', '--size', '64', '64', '--batch-size', '1',
    '--repeats', '1', '--warmup', '0', '--threads', '1',
    '--data-images', '10', '--data-passes', '1',
    '--data-size', '64', '80', '64', '80', '--split-repeats', '1',
    '--gpu-train-ips', '500', '--profile',
]  # fmt: skip


@pytest.fixture(scope='module')
def smoke(tmp_path_factory):
    """One tiny run through the command line; returns (result, JSON)."""
    folder = tmp_path_factory.mktemp('bench')
    out, config = folder / 'result.json', folder / 'tiny64.py'
    config.write_text(
        f"_base_ = ['{default_config_dir()}/mtl_cosa_r18_phantom.py']\n"
        'model = dict(data_preprocessor=dict(size=(64, 64)))\n'
    )
    backends = [
        '--backends', '--backend-config', str(config),
        '--backend-repeats', '1', '--backend-warmup', '0',
        '--calibration-images', '1',
    ]  # fmt: skip
    threads = torch.get_num_threads()
    try:
        result = main(SMOKE_ARGS + backends + ['--out', str(out)])
    finally:
        torch.set_num_threads(threads)
    with open(out, encoding='utf-8') as f:
        return result, json.load(f)


def test_smoke_rows_have_every_figure(smoke):
    _, data = smoke
    assert set(data['rows']) == set(ROWS) | {'two-model'}
    for name, row in data['rows'].items():
        for key in ROW_KEYS:
            assert row[key] > 0, (name, key, row[key])
        assert row['train_peak_mib'] >= row['weights_mib'], name
    # The two-model row is UResNet + classifier, exactly.
    seg, cls = data['rows']['UResNet'], data['rows']['ResNet-101 cls']
    two = data['rows']['two-model']
    assert two['params'] == seg['params'] + cls['params']
    assert two['gmacs'] == pytest.approx(seg['gmacs'] + cls['gmacs'])
    assert two['train_step_ms'] >= seg['train_step_ms']
    # MTL adds exactly the FC (512 * 2 + 2) to UResNet; COSA its neck.
    mtl, cosa = data['rows']['MTL'], data['rows']['MTL-COSA']
    assert mtl['params'] - seg['params'] == 512 * 2 + 2
    assert cosa['params'] > mtl['params'] and cosa['gmacs'] > mtl['gmacs']


def test_smoke_ratios_targets_and_derived(smoke):
    _, data = smoke
    assert data['ratios']['MTL']['train_vs_mtl'] == pytest.approx(1.0)
    assert data['ratios']['MTL']['infer_vs_mtl_paired'] == pytest.approx(1)
    for name in ROWS:
        assert all(v > 0 for v in data['ratios'][name].values())
    two = data['two_model']
    assert two['infer_speedup'] > 0 and two['train_speedup'] > 0
    seg, cls, cosa = (
        data['rows'][n] for n in ('UResNet', 'ResNet-101 cls', 'MTL-COSA')
    )
    assert two['flop_predicted_speedup'] == pytest.approx(
        (seg['gmacs'] + cls['gmacs']) / cosa['gmacs']
    )
    assert len(data['targets']) == 7
    for target in data['targets'].values():
        assert target['value'] > 0 and isinstance(target['met'], bool)
    split = data['region_split']
    assert split['ms'] > 0 and 0 < split['share_of_train_step'] < 1
    assert split['batched'] is True and split['ops_batch_1'] > 0
    assert split['host_sync_free'] is None  # CPU
    branch = data['cls_branch']
    assert set(branch) == {'MTL', 'MTL-SA', 'MTL-COSA'}
    for figures in branch.values():
        assert figures['train_ms'] > 0 and figures['infer_ms'] > 0
        assert 0 < figures['share_of_train_step'] < 1
        assert 0 < figures['train_min_ms'] <= figures['train_ms']
        assert 0 < figures['min_share_of_inference'] < 1
    pipe = data['data_pipeline']
    assert pipe['images'] >= 7 and pipe['images_per_s'] > 0
    assert tuple(pipe['output_size']) == (256, 256)
    assert all(v >= 0 for v in pipe['ms_per_transform'].values())
    assert 'LoadImageFromFile' in pipe['ms_per_transform']
    workers = data['workers']
    assert workers['given_needs_workers'] == math.ceil(
        500 / pipe['images_per_s']
    )
    assert workers['measured_needs_workers'] >= 1


def test_smoke_machine_memory_profile_and_report(smoke):
    result, data = smoke
    machine = data['machine']
    assert machine['nproc'] >= 1 and machine['torch_threads'] == 1
    assert machine['cpu_model'] and machine['device'] == 'cpu'
    assert len(machine['load_avg_1m_repeats']) == 1
    assert 'load_avg_1m' not in data['raw']['times']
    assert data['raw']['memory']['MTL']['kind'] == 'cpu_peak_rss'
    profile = data['raw']['profile']
    assert set(profile) == {'train', 'infer'} and profile['train']
    text = format_report(result)
    for name in ROWS + ('two-model', 'Targets:', 'Workers needed', 'alone'):
        assert name in text
    assert '1 threads' in text
    # --backends adds its section after the models' (tested on its own in
    # test_benchmark_backends.py).
    assert list(data['backends']['rows']) == [
        'PyTorch fp32',
        'PyTorch bf16',
        'ORT fp32',
        'ORT int8',
    ]
    assert data['backends']['threads'] == 1
    assert text.index('Targets:') < text.index('Backends: ')


def _raw(times, gmacs=None):
    """Hand-made raw figures for ``summarise``."""
    names = list(times)
    memory = dict(
        weights_mib=1.0,
        infer_peak_mib=2.0,
        train_peak_mib=4.0,
        train_state_mib=3.0,
        kind='cpu_peak_rss',
    )
    gmacs = gmacs or {n: 1.0 for n in names}
    return dict(
        times=times,
        memory={n: dict(memory) for n in names + ['two-model']},
        complexity={
            n: dict(params=10, gmacs=gmacs[n], gflops=2 * gmacs[n])
            for n in names
        },
        region_split=dict(
            ms=2.0,
            ms_per_image=1.0,
            ops_batch_1=5,
            ops_batch_n=5,
            batched=True,
            host_sync_free=None,
        ),
        data_pipeline=dict(images_per_s=40.0),
    )


def test_summarise_by_hand():
    # MTL 1 s / step; COSA 1.04 then 1.10 s (paired: 1.04, 1.10 -> 1.07).
    times = {
        'UResNet': dict(train=[1.0, 1.0], infer=[0.5, 0.5]),
        'ResNet-101 cls': dict(train=[0.25, 0.25], infer=[0.1, 0.1]),
        'MTL': dict(train=[1.0, 1.0], infer=[0.5, 0.5]),
        'MTL-SA': dict(train=[1.0, 1.0], infer=[0.5, 0.5]),
        'MTL-COSA': dict(train=[1.04, 1.10], infer=[0.5, 0.5]),
    }
    gmacs = dict(
        zip(times, [40.0, 10.0, 40.0, 40.0, 40.0])
    )  # two-model predicted speed-up 50 / 40
    opts = BenchmarkOptions(batch_size=2, gpu_train_ips=100.0)
    out = summarise(_raw(times, gmacs), opts)
    cosa = out['rows']['MTL-COSA']
    assert cosa['train_step_ms'] == pytest.approx(1070.0)
    assert cosa['train_images_per_s'] == pytest.approx(2 / 1.07)
    assert cosa['infer_ms_per_image'] == pytest.approx(250.0)
    assert cosa['infer_tflops'] == pytest.approx(80 * 2 / 0.5 / 1e3)
    assert cosa['train_tflops'] == pytest.approx(3 * 80 * 2 / 1.07 / 1e3)
    assert out['rows']['two-model']['train_step_ms'] == pytest.approx(1250)
    assert out['rows']['two-model']['gmacs'] == 50.0
    assert out['ratios']['MTL-COSA']['train_vs_mtl'] == pytest.approx(1.07)
    assert cosa['train_step_min_ms'] == pytest.approx(1040.0)
    target = out['targets']['MTL-COSA train step / MTL']
    assert target['value'] == pytest.approx(1.07) and target['met'] is False
    assert target['value_from_minima'] == pytest.approx(1.04)
    assert out['ratios']['MTL-COSA']['train_vs_mtl_minima'] == 1.04
    assert out['targets']['MTL-COSA inference / MTL']['met'] is True
    assert out['two_model']['flop_predicted_speedup'] == 1.25
    assert out['two_model']['infer_speedup'] == pytest.approx(0.6 / 0.5)
    assert out['region_split']['share_of_train_step'] == pytest.approx(
        2.0 / 1070.0
    )
    data_target = out['targets']['data pipeline images/s per worker']
    assert data_target['met'] is False  # 40 < 100
    assert out['workers']['given_needs_workers'] == 3  # ceil(100 / 40)
    assert out['workers']['measured_needs_workers'] == 1


def test_pipeline_memory_keeps_one_resident_while_the_other_runs():
    first = dict(
        weights_mib=100,
        infer_peak_mib=150,
        train_peak_mib=500,
        train_state_mib=400,
        kind='k',
    )
    second = dict(
        weights_mib=40,
        infer_peak_mib=60,
        train_peak_mib=300,
        train_state_mib=160,
        kind='k',
    )
    out = _pipeline_memory(first, second)
    assert out['train_peak_mib'] == max(500 + 160, 400 + 300)
    assert out['infer_peak_mib'] == max(150 + 40, 100 + 60)
    assert out['weights_mib'] == 140 and out['train_state_mib'] == 560


class _Attend(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


def test_sdpa_flops_counted():
    q, k, v = torch.randn(2, 5, 8), torch.randn(2, 7, 8), torch.randn(2, 7, 3)
    analyzer = FlopAnalyzer(_Attend(), (q, k, v))
    analyzer.set_op_handle('aten::scaled_dot_product_attention', sdpa_flop_jit)
    analyzer.unsupported_ops_warnings(False)
    assert analyzer.total() == 2 * 5 * 7 * (8 + 3)


def test_memory_probe_sees_an_allocation():
    probe = MemoryProbe(torch.device('cpu'))
    probe.start()
    block = np.ones(64 * 2**20 // 8)  # 64 MiB, touched
    peak = probe.peak_mib()
    held = probe.current_mib()
    del block
    assert 60 <= peak <= 100 and 60 <= held <= 100
    assert probe.kind == 'cpu_peak_rss'


def test_region_split_batched_and_counted():
    model = build_model('MTL-COSA', depth=18, size=(64, 64))
    out = bench_region_split(model.cls_neck, 3, (64, 64), (2, 2), repeats=2)
    assert out['batched'] and out['ops_batch_1'] == out['ops_batch_n']
    assert out['ms'] > 0 and out['ms_per_image'] == out['ms'] / 3

    def loop():  # a per-image loop dispatches more ops for more images
        for i in range(3):
            torch.zeros(1).add_(i)

    assert count_ops(loop, torch.device('cpu')) > count_ops(
        lambda: torch.zeros(1).add_(0), torch.device('cpu')
    )


def test_make_batch_content():
    batch = make_batch(3, (40, 50), seed=1)
    assert [tuple(x.shape) for x in batch['inputs']] == [(3, 40, 50)] * 3
    assert batch['inputs'][0].dtype == torch.uint8
    labels = [int(s.gt_label) for s in batch['data_samples']]
    assert labels == [0, 1, 0]
    mask = batch['data_samples'][0].gt_sem_seg.data
    assert set(mask.unique().tolist()) == {0, 1}


def test_optim_wrapper_is_the_papers_adam():
    model = nn.Linear(2, 2)
    wrapper = make_optim_wrapper(
        model, default_config_dir() + '/_base_/schedules/adam_100e.py'
    )
    group = wrapper.optimizer.param_groups[0]
    assert type(wrapper.optimizer).__name__ == 'Adam'
    assert group['lr'] == 1e-4 and group['betas'] == (0.9, 0.99)
    # The shipped schedule uses torch's fused kernel (same arithmetic).
    assert group['weight_decay'] == 5e-4 and group['fused'] is True


def test_fused_flag_turns_on_the_fused_kernel(tmp_path):
    schedule = tmp_path / 'loop_adam.py'
    schedule.write_text(
        "optim_wrapper = dict(type='OptimWrapper', optimizer=dict("
        "type='Adam', lr=1e-4, betas=(0.9, 0.99), weight_decay=5e-4))\n"
    )
    model = nn.Linear(2, 2)
    loop = make_optim_wrapper(model, str(schedule))
    assert not loop.optimizer.param_groups[0].get('fused')
    fused = make_optim_wrapper(model, str(schedule), fused=True)
    assert fused.optimizer.param_groups[0]['fused'] is True


def test_time_call_and_median():
    assert time_call(lambda: None, torch.device('cpu')) >= 0
    assert median([3.0, 1.0, 2.0]) == 2.0


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(device='tpu'), 'device'),
        (dict(amp=True), 'amp=True needs --device cuda'),
        (dict(batch_size=0), 'batch_size=0'),
        (dict(repeats=0), 'repeats=0'),
        (dict(split_repeats=0), 'split_repeats=0'),
        (dict(warmup=-1), 'warmup=-1'),
        (dict(data_images=-1), 'data_images=-1'),
        (dict(data_images=5), 'needs >= 10'),
        (dict(threads=0), 'threads=0'),
        (dict(size=(16, 64)), 'size='),
        (dict(peak_tflops=0), 'peak_tflops'),
    ],
)
def test_options_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BenchmarkOptions(**kwargs)


def test_part_errors(tmp_path):
    with pytest.raises(ValueError, match='not one of'):
        build_model('VGG')
    with pytest.raises(ValueError, match='not a ResNet depth'):
        build_model('MTL', depth=19)
    with pytest.raises(FileNotFoundError, match='--config-dir'):
        build_model('MTL', config_dir=str(tmp_path))
    with pytest.raises(ValueError, match='batch_size=0'):
        make_batch(0, (8, 8))
    with pytest.raises(ValueError, match='no values'):
        median([])
    with pytest.raises(TypeError, match='torch.device'):
        MemoryProbe('cpu')
    with pytest.raises(ValueError, match='amp_dtype'):
        make_optim_wrapper(nn.Linear(1, 1), 'unused.py', True, 'int8')
    with pytest.raises(TypeError, match='cls_neck of an MTL-COSA'):
        bench_region_split(nn.Linear(1, 1), 1, (8, 8), (1, 1))
    with pytest.raises(TypeError, match='no classification branch'):
        bench_cls_branch(build_model('UResNet', 18, (64, 64)), 1, (64, 64))
    with pytest.raises(ValueError, match='runs=0'):
        op_times(lambda: None, torch.device('cpu'), runs=0)
    with pytest.raises(ValueError, match='passes=0'):
        bench_data_pipeline('unused.py', passes=0)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match='run with --device cpu'):
            _device('cuda')


def test_op_time_diff_by_hand():
    base = {'a': dict(ms=1.0, calls=1), 'b': dict(ms=5.0, calls=2)}
    other = {'a': dict(ms=4.0, calls=3), 'c': dict(ms=2.0, calls=1)}
    rows = op_time_diff(base, other, top=2)
    assert [r['op'] for r in rows] == ['a', 'c']
    assert rows[0]['extra_ms'] == 3.0 and rows[0]['extra_calls'] == 2
    assert rows[1]['base_ms'] == 0.0 and rows[1]['other_ms'] == 2.0


def test_report_cuda_columns(smoke):
    result, _ = smoke
    fake = copy.deepcopy(result)
    fake['options'].update(device='cuda', amp=True)
    fake['machine'].update(device='cuda:0', gpu='NVIDIA H200')
    fake['region_split']['host_sync_free'] = True
    text = format_report(fake)
    assert 'train TFLOP/s' in text and 'NVIDIA H200' in text
    assert 'AMP bfloat16' in text and 'host synchronisation: yes' in text
    cosa = fake['rows']['MTL-COSA']
    assert f'{cosa["train_images_per_s"]:.1f}' in text


def test_configs_found_from_the_checkout():
    import os.path as osp
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert default_config_dir() == str(root / 'configs')
    assert osp.isfile(osp.join(default_config_dir(), 'mtl_cosa_r101_busi.py'))


@pytest.mark.parametrize(
    'script', ['tools/analysis_tools/benchmark.py', 'tools/benchmark.py']
)
def test_entry_and_alias_parse_arguments(script):
    """Both scripts start from any directory (``--help`` parses, exits 0)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, str(root / script), '--help'],
        cwd='/',
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert '--channels-last' in run.stdout
    assert '--only-backends' in run.stdout and '--deploy-config' in run.stdout
