"""tools/train.py and tools/test.py end to end on a tiny job."""

import glob
import os
import os.path as osp
import re
import signal
import subprocess
import time

import numpy as np
import pytest
import torch
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint
from PIL import Image

import mmcosa  # noqa: F401  (torch>=2.6 checkpoint loading)

from ..test_apis.tiny_mtl import save_random_checkpoint, write_tiny_mtl_config
from ..tiny_job import (
    PYTHON,
    REPO,
    run,
    train_tiny_checkpoint,
    write_tiny_config,
)

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
    # A model without a COSA neck has no region maps to write.
    assert not osp.exists(osp.join(out, 'regions'))


def test_test_out_writes_the_cosa_regions(tmp_path):
    config = write_tiny_mtl_config(str(tmp_path / 'tiny_mtl.py'))
    ckpt = save_random_checkpoint(config, str(tmp_path / 'tiny.pth'))
    out, work = tmp_path / 'out', tmp_path / 'work'
    cmd = [PYTHON, TEST, config, ckpt, '--work-dir', str(work)]
    run(cmd + ['--out', str(out)])
    masks = sorted(os.listdir(out / 'masks'))
    assert len(masks) == 2 and sorted(os.listdir(out / 'regions')) == masks
    for name in masks:
        labels = np.array(Image.open(out / 'regions' / name))
        mask = np.array(Image.open(out / 'masks' / name))
        assert labels.shape == mask.shape == (64, 64)
        assert set(np.unique(labels)) <= {0, 1, 2}
    # BUSVisualizationHook drew the same predictions (pred_regions).
    assert len(os.listdir(work / 'vis' / 'test_0')) == 2


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
    assert 'Traceback' not in proc.stderr


def test_missing_config_and_checkpoint(tiny_job):
    proc = subprocess.run(
        [PYTHON, TRAIN, 'configs/nope.py'],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 1
    assert "config file 'configs/nope.py' does not exist" in proc.stderr
    assert 'Traceback' not in proc.stderr
    proc = subprocess.run(
        [PYTHON, TEST, tiny_job['config'], 'missing.pth'],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 1
    assert "checkpoint 'missing.pth' does not exist" in proc.stderr
    assert 'Traceback' not in proc.stderr


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


def _fails_in_one_line(main, argv, capsys) -> str:
    """Run a tool's main in-process; it must exit 1 with one stderr line
    and print no config dump."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert err.startswith('error: ') and err.count('\n') == 1, err
    assert 'Config:' not in out and 'Traceback' not in out + err
    return err


@pytest.fixture
def bad_checkpoints(tmp_path):
    png = tmp_path / 'overlay.png'
    png.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(64))
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    return dict(png=str(png), empty=str(empty))


@pytest.mark.parametrize(
    'kind, message',
    [('png', 'is a PNG image, not a PyTorch checkpoint'), ('empty', 'empty')],
)
def test_test_refuses_files_that_are_not_checkpoints(
    tiny_job, bad_checkpoints, kind, message, capsys
):
    from mmcosa.cli.train_test import run_test

    err = _fails_in_one_line(
        run_test, [tiny_job['config'], bad_checkpoints[kind]], capsys
    )
    assert message in err and bad_checkpoints[kind] in err


def test_data_and_config_errors_come_before_the_runner(tiny_job, capsys):
    from mmcosa.cli.train_test import run_test, run_train

    root = tiny_job['root']
    missing = str(root / 'absent')
    err = _fails_in_one_line(
        run_train,
        [
            tiny_job['config'],
            '--cfg-options',
            f'train_dataloader.dataset.data_root={missing}',
        ],
        capsys,
    )
    assert f"train_dataloader.dataset.data_root '{missing}'" in err
    assert 'does not exist' in err
    broken = root / 'broken.py'
    broken.write_text(f"_base_ = ['{tiny_job['config']}']\nmodel = dict(\n")
    err = _fails_in_one_line(run_train, [str(broken)], capsys)
    assert 'cannot be read: SyntaxError' in err
    typo = root / 'typo.py'
    typo.write_text(
        f"_base_ = ['{tiny_job['config']}']\n"
        "test_dataloader = dict(dataset=dict(type='BaseSegDatset'))\n"
    )
    ckpt = train_tiny_checkpoint(
        tiny_job['config'], tiny_job['data_root'], str(root / 'fit.pth')
    )
    err = _fails_in_one_line(run_test, [str(typo), ckpt], capsys)
    assert "dataset type 'BaseSegDatset'" in err and 'not registered' in err


def test_resume_from_a_truncated_checkpoint(tiny_job, capsys):
    from mmcosa.cli.train_test import run_train

    work = tiny_job['root'] / 'work'
    work.mkdir()
    ckpt = train_tiny_checkpoint(
        tiny_job['config'], tiny_job['data_root'], str(work / 'iter_2.pth')
    )
    data = open(ckpt, 'rb').read()
    cut = work / 'iter_4.pth'
    cut.write_bytes(data[: len(data) // 3])
    (work / 'last_checkpoint').write_text(str(cut))
    err = _fails_in_one_line(
        run_train,
        [tiny_job['config'], '--work-dir', str(work), '--resume'],
        capsys,
    )
    assert f"last_checkpoint names '{cut}'" in err
    assert 'is truncated' in err
    assert f'--cfg-options load_from={ckpt} (the latest complete one)' in err


def test_test_builds_no_training_data(tiny_job, tmp_path):
    """tools/test.py with the training folder absent (and drawing on)."""
    cfg = tmp_path / 'test_only.py'
    cfg.write_text(
        f"_base_ = ['{tiny_job['config']}']\n"
        "train_dataloader = dict(dataset=dict(data_root='/no/train/data'))\n"
    )
    ckpt = train_tiny_checkpoint(
        tiny_job['config'], tiny_job['data_root'], str(tmp_path / 'fit.pth')
    )
    show = tmp_path / 'show'
    proc = run(
        [
            PYTHON,
            TEST,
            str(cfg),
            ckpt,
            '--work-dir',
            str(tmp_path / 'w'),
            '--show-dir',
            str(show),
        ]
    )
    assert parse_metrics(proc.stdout + proc.stderr)['mIoU'] > 50
    assert len(glob.glob(str(show / '**' / '*.png'), recursive=True)) == 8


def test_checkpoint_of_another_model_is_refused(tiny_job, tmp_path):
    """The r101-config-with-an-r18-checkpoint case, on the tiny UNet."""
    wide = tmp_path / 'wide.py'
    wide.write_text(
        f"_base_ = ['{tiny_job['config']}']\n"
        'model = dict(backbone=dict(base_channels=8), '
        'decode_head=dict(in_channels=8))\n'
    )
    ckpt = train_tiny_checkpoint(
        tiny_job['config'], tiny_job['data_root'], str(tmp_path / 'fit.pth')
    )
    argv = [PYTHON, TEST, str(wide), ckpt, '--work-dir', str(tmp_path / 'w')]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    (line,) = [x for x in proc.stderr.splitlines() if x.startswith('error:')]
    assert f"checkpoint '{ckpt}' does not fit the model of {wide}" in line
    assert 'differ in shape (backbone.encoder.0.0.convs.0.conv.weight' in (
        line
    )
    assert 'Iter(test)' not in proc.stdout + proc.stderr
    partial = run(argv + ['--allow-partial-load'])
    log = partial.stdout + partial.stderr
    assert re.search(r'WARNING - partial load of .*fit.pth', log)
    assert 'Iter(test)' in log
