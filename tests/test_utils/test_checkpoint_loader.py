"""Weights-only loading of mmengine checkpoints, and files that are not."""

import os
import os.path as osp
import pickle
import zipfile

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader, Runner

from mmcosa.utils.checkpoint_loader import (
    TRUST_ENV,
    CheckpointError,
    check_checkpoint_file,
    load_from_local_weights_only,
)

from ..tiny_job import write_tiny_config, write_tiny_data


@pytest.fixture(scope='module')
def runner_checkpoint(tmp_path_factory):
    """A checkpoint written by mmengine's Runner after 2 iterations of a
    tiny training with a step schedule (HistoryBuffers, numpy values,
    optimizer and scheduler state)."""
    root = tmp_path_factory.mktemp('runner_ckpt')
    write_tiny_data(str(root / 'data'), num=4)
    cfg = Config.fromfile(
        write_tiny_config(
            str(root / 'tiny.py'), str(root / 'data'), 2, ckpt_interval=2
        )
    )
    cfg.work_dir = str(root / 'work')
    cfg.param_scheduler = [
        dict(type='MultiStepLR', by_epoch=False, milestones=[1], gamma=0.1)
    ]
    cfg.default_hooks.visualization = dict(type='SegVisualizationHook')
    cfg.visualizer.name = 'runner_checkpoint'
    Runner.from_cfg(cfg).train()
    return str(root / 'work' / 'iter_2.pth')


@pytest.fixture(autouse=True)
def untrusted(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


def test_runner_checkpoint_loads_weights_only(runner_checkpoint):
    # torch alone refuses it: the allow-list is what makes it load.
    with pytest.raises(pickle.UnpicklingError, match='Weights only'):
        torch.load(runner_checkpoint, weights_only=True)
    ckpt = load_from_local_weights_only(runner_checkpoint, map_location='cpu')
    assert set(ckpt) == {
        'meta',
        'state_dict',
        'message_hub',
        'optimizer',
        'param_schedulers',
    }
    loss = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(loss, HistoryBuffer) and loss.data[0].size == 2
    assert loss.statistics('mean') == pytest.approx(loss.mean())
    assert ckpt['meta']['iter'] == 2 and ckpt['meta']['seed'] == 0
    assert ckpt['param_schedulers'][0]['milestones'] == {1: 1}
    # mmengine's own loader (load_from, --resume) goes through it
    assert CheckpointLoader._schemes[''] is load_from_local_weights_only
    via_mmengine = CheckpointLoader.load_checkpoint(runner_checkpoint)
    assert via_mmengine['meta']['iter'] == 2


class RunsCode:
    """Unpickling it would call os.system to create ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


class Plain:
    pass


def test_arbitrary_objects_are_refused(tmp_path, monkeypatch):
    evil = str(tmp_path / 'evil.pth')
    marker = tmp_path / 'code_ran'
    torch.save(dict(state_dict={}, meta=dict(x=RunsCode(marker))), evil)
    with pytest.raises(CheckpointError) as err:
        load_from_local_weights_only(evil)
    assert not marker.exists()
    msg = str(err.value)
    assert 'posix.system' in msg and 'evil.pth' in msg
    assert '--trust-checkpoint' in msg and f'{TRUST_ENV}=1' in msg
    assert '\n' not in msg
    plain = str(tmp_path / 'plain.pth')
    torch.save(dict(meta=Plain()), plain)
    with pytest.raises(CheckpointError, match=r'of type .*\.Plain'):
        load_from_local_weights_only(plain)
    # the explicit opt-in for trusted files
    monkeypatch.setenv(TRUST_ENV, '1')
    assert isinstance(load_from_local_weights_only(plain)['meta'], Plain)


class _GetAttr:
    """Pickles as builtins.getattr(HistoryBuffer, name)."""

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return (getattr, (HistoryBuffer, self.name))


def test_getattr_reaches_only_history_buffer_methods(tmp_path):
    path = str(tmp_path / 'attr.pth')
    torch.save(dict(ok=_GetAttr('mean')), path)
    assert load_from_local_weights_only(path)['ok'] is HistoryBuffer.mean
    torch.save(dict(bad=_GetAttr('__init__')), path)
    with pytest.raises(CheckpointError, match='refusing to load'):
        load_from_local_weights_only(path)


def test_files_that_are_not_checkpoints(tmp_path, runner_checkpoint):
    with pytest.raises(FileNotFoundError, match="'nope.pth' does not exist"):
        check_checkpoint_file('nope.pth')
    with pytest.raises(CheckpointError, match='is a folder'):
        check_checkpoint_file(str(tmp_path))
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(CheckpointError, match=r'empty \(0 bytes\)'):
        load_from_local_weights_only(str(empty))
    png = tmp_path / 'overlay.png'
    png.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(40))
    with pytest.raises(CheckpointError, match='is a PNG image, not a'):
        load_from_local_weights_only(str(png))
    text = tmp_path / 'notes.pth'
    text.write_text('# not weights\n')
    with pytest.raises(CheckpointError, match='is a text file'):
        load_from_local_weights_only(str(text))
    data = open(runner_checkpoint, 'rb').read()
    cut = tmp_path / 'iter_2.pth'
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r'is truncated \(\d+ bytes'):
        load_from_local_weights_only(str(cut))


def test_damaged_zip_entry_is_reported(tmp_path, runner_checkpoint):
    bad = str(tmp_path / 'bad.pth')
    with (
        zipfile.ZipFile(runner_checkpoint) as src,
        zipfile.ZipFile(bad, 'w') as dst,
    ):
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith('data.pkl'):
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    assert osp.getsize(bad) > 0
    with pytest.raises(CheckpointError, match='is corrupt'):
        load_from_local_weights_only(bad)
