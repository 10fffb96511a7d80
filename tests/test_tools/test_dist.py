"""dist_train.sh / dist_test.sh: 2 processes on this CPU-only machine."""

import os.path as osp

import pytest
import torch

from ..tiny_job import (
    PYTHON,
    REPO,
    run,
    train_tiny_checkpoint,
    write_tiny_config,
)
from .test_train_test import parse_metrics

DIST_TRAIN = osp.join(REPO, 'tools', 'dist_train.sh')
DIST_TEST = osp.join(REPO, 'tools', 'dist_test.sh')
TEST = osp.join(REPO, 'tools', 'test.py')


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='checks the CPU (gloo) path'
)
def test_dist_train_and_test_match_single_process(tiny_job, tmp_path):
    # SyncBN in the config exercises its rewrite to BN on the CPU.
    cfg = write_tiny_config(
        str(tmp_path / 'sync.py'),
        tiny_job['data_root'],
        max_iters=6,
        ckpt_interval=6,
        norm='SyncBN',
    )
    work = str(tmp_path / 'work')
    env = dict(PORT='29613')
    train = run(['bash', DIST_TRAIN, cfg, '2', '--work-dir', work], env=env)
    log = train.stdout + train.stderr
    assert 'CPU distributed run (gloo, rank 0 of 2)' in log
    assert 'SyncBN config(s) replaced by BN' in log
    assert osp.isfile(osp.join(work, 'iter_6.pth'))
    # Compare on a well-fitted checkpoint: its predictions are not all
    # background, so equal figures are not trivially equal.
    ckpt = train_tiny_checkpoint(
        cfg, tiny_job['data_root'], str(tmp_path / 'fit.pth')
    )

    single = run([PYTHON, TEST, cfg, ckpt, '--work-dir', str(tmp_path / 's')])
    dist = run(
        ['bash', DIST_TEST, cfg, ckpt, '2', '--work-dir', str(tmp_path / 'd')],
        env=env,
    )
    single_metrics = parse_metrics(single.stdout + single.stderr)
    dist_metrics = parse_metrics(dist.stdout + dist.stderr)
    assert set(single_metrics) >= {'aAcc', 'mIoU', 'mDice'}
    for key in ('aAcc', 'mIoU', 'mAcc', 'mDice'):
        assert dist_metrics[key] == pytest.approx(single_metrics[key])
    assert single_metrics['mIoU'] > 50
