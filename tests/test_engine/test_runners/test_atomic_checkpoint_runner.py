"""Checkpoints appear under their final name only when complete."""

import glob
import os.path as osp
import subprocess
import sys
import textwrap
import zipfile

from mmengine.config import Config

from mmcosa.engine import PARTIAL_SUFFIX, AtomicCheckpointRunner

from ...tiny_job import REPO, write_tiny_config, write_tiny_data

# Train the tiny job through the CheckpointHook, and SIGKILL the process
# half-way through writing the first checkpoint.
KILLED_WHILE_SAVING = """
import os, signal, sys
sys.path.insert(0, {repo!r})
import mmcosa
from mmengine.config import Config
from mmengine.fileio.backends import LocalBackend
from mmcosa.engine import AtomicCheckpointRunner

def half_then_kill(self, obj, filepath):
    with open(filepath, 'wb') as f:
        f.write(obj[: len(obj) // 2])
        f.flush()
    os.kill(os.getpid(), signal.SIGKILL)

LocalBackend.put = half_then_kill
cfg = Config.fromfile({config!r})
cfg.work_dir = {work!r}
AtomicCheckpointRunner.from_cfg(cfg).train()
"""


def _config(tmp_path):
    write_tiny_data(str(tmp_path / 'data'), num=4)
    cfg = write_tiny_config(
        str(tmp_path / 'tiny.py'), str(tmp_path / 'data'), 1, ckpt_interval=1
    )
    return cfg


def test_sigkill_while_saving_leaves_no_final_name(tmp_path):
    config = _config(tmp_path)
    work = str(tmp_path / 'work')
    proc = subprocess.run(
        [
            sys.executable,
            '-c',
            textwrap.dedent(KILLED_WHILE_SAVING).format(
                repo=REPO, config=config, work=work
            ),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -9, proc.stderr[-3000:]
    assert not osp.exists(osp.join(work, 'iter_1.pth'))
    assert not osp.exists(osp.join(work, 'last_checkpoint'))
    (partial,) = glob.glob(osp.join(work, f'.*{PARTIAL_SUFFIX}'))
    assert osp.basename(partial) == f'.iter_1.pth{PARTIAL_SUFFIX}'
    assert not zipfile.is_zipfile(partial)  # the half-written bytes

    # The next run in the work dir saves under the final name and removes
    # the stale partial file.
    cfg = Config.fromfile(config)
    cfg.work_dir = work
    cfg.visualizer.name = 'atomic_second_run'
    runner = AtomicCheckpointRunner.from_cfg(cfg)
    runner.train()
    final = osp.join(work, 'iter_1.pth')
    assert zipfile.is_zipfile(final)
    assert glob.glob(osp.join(work, f'.*{PARTIAL_SUFFIX}')) == []
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip() == final
