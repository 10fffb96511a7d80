"""tools/train.py and tools/test.py end to end on a tiny job."""

import glob
import os
import os.path as osp
import re
import signal
import subprocess
import time

import pytest
import torch
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint

import mmcosa  # noqa: F401  (torch>=2.6 checkpoint loading)

from ..tiny_job import PYTHON, REPO, run, write_tiny_config

TRAIN = osp.join(REPO, 'tools', 'train.py')
TEST = osp.join(REPO, 'tools', 'test.py')


def parse_metrics(text: str) -> dict:
    """Read the metrics of the last ``Iter(test)`` line of a log."""
    lines = [line for line in text.splitlines() if 'Iter(test)' in line]
    assert lines, f'no test metrics in the log:\n{text[-3000:]}'
    pairs = re.findall(r'(\w+): ([0-9.]+)', lines[-1].split(']')[-1])
    return {k: float(v) for k, v in pairs if k not in ('time', 'data_time')}


def test_train_then_test(tiny_job):
    work = str(tiny_job['root'] / 'work')
    run([PYTHON, TRAIN, tiny_job['config'], '--work-dir', work])
    ckpt = osp.join(work, 'iter_4.pth')
    assert osp.isfile(ckpt)
    assert open(osp.join(work, 'last_checkpoint')).read().strip() == ckpt
    out = str(tiny_job['root'] / 'out')
    show = str(tiny_job['root'] / 'show')
    proc = run(
        [
            PYTHON,
            TEST,
            tiny_job['config'],
            ckpt,
            '--work-dir',
            str(tiny_job['root'] / 'test'),
            '--out',
            out,
            '--show-dir',
            show,
        ]
    )
    metrics = parse_metrics(proc.stdout + proc.stderr)
    assert {'aAcc', 'mIoU', 'mDice'} <= set(metrics)
    assert 0 <= metrics['mIoU'] <= 100
    masks = sorted(os.listdir(osp.join(out, 'masks')))
    assert masks == [f'{i:03d}.png' for i in range(8)]
    rows = open(osp.join(out, 'predictions.csv')).read().splitlines()
    assert rows[0].startswith('file') and len(rows) == 9
    assert len(glob.glob(osp.join(show, '**', '*.png'), recursive=True)) == 8


def test_amp_on_cpu_is_a_clear_error(tiny_job):
    if torch.cuda.is_available():
        pytest.skip('the error is for CPU-only machines')
    proc = subprocess.run(
        [PYTHON, TRAIN, tiny_job['config'], '--amp'],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode != 0
    assert '--amp (automatic mixed precision) needs a CUDA GPU' in (
        proc.stderr
    )


def test_missing_config_and_checkpoint(tiny_job):
    proc = subprocess.run(
        [PYTHON, TRAIN, 'configs/nope.py'],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode != 0
    assert "config file 'configs/nope.py' does not exist" in proc.stderr
    proc = subprocess.run(
        [PYTHON, TEST, tiny_job['config'], 'missing.pth'],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode != 0
    assert "checkpoint 'missing.pth' does not exist" in proc.stderr


def test_resume_after_sigkill(tiny_job, tmp_path):
    """A run killed mid-way resumes from its last checkpoint and finishes."""
    cfg = write_tiny_config(
        str(tmp_path / 'long.py'),
        tiny_job['data_root'],
        max_iters=60,
        ckpt_interval=5,
    )
    work = str(tmp_path / 'work')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen(
        [PYTHON, TRAIN, cfg, '--work-dir', work],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    first = osp.join(work, 'iter_10.pth')
    while not osp.isfile(first) and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert osp.isfile(first), 'training never wrote its 10th-iter checkpoint'
    assert not osp.isfile(osp.join(work, 'iter_60.pth')), 'killed too late'
    last = open(osp.join(work, 'last_checkpoint')).read().strip()
    killed_at = int(re.search(r'iter_(\d+)', last).group(1))

    result = run([PYTHON, TRAIN, cfg, '--work-dir', work, '--resume'])
    log = result.stdout + result.stderr
    assert f'resumed epoch: 0, iter: {killed_at}' in log
    final = osp.join(work, 'iter_60.pth')
    ckpt = _load_checkpoint(final, map_location='cpu')
    assert ckpt['meta']['iter'] == 60
    # The killed run's checkpoint and the final one both load into a model.
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules

    register_all_modules()
    model = MODELS.build(Config.fromfile(cfg).model)
    for path in (last, final):
        load_checkpoint(model, path, map_location='cpu', strict=True)


def test_missing_imagenet_weights_end_with_a_message(tmp_path):
    """No stack trace when the backbone's pretrained file cannot be read."""
    cfg = tmp_path / 'pretrained.py'
    cfg.write_text(
        f"_base_ = ['{REPO}/configs/mtl_cosa_r18_phantom.py']\n"
        'model = dict(backbone=dict(init_cfg=dict(_delete_=True, '
        'type="Pretrained", '
        'checkpoint="/nonexistent/resnet18.pth")))\n'
        'train_dataloader = dict(dataset=dict(num_samples=10, cache=False))\n'
    )
    proc = subprocess.run(
        [PYTHON, TRAIN, str(cfg), '--work-dir', str(tmp_path / 'w')],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert '/nonexistent/resnet18.pth' in out
    assert 'init_cfg=None' in out
    assert 'Traceback' not in out
