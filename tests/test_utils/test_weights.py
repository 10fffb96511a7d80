"""Strict weight loading: a checkpoint of another model is refused."""

from unittest import mock

import pytest
import torch
from mmengine.model import BaseTTAModel
from torch import nn

from mmcosa.utils import weights
from mmcosa.utils.weights import (
    CheckpointMismatchError,
    load_runner_weights,
    load_weights,
    state_dict_mismatch,
)


class Net(nn.Sequential):
    def test_step(self, data):  # what BaseTTAModel asks of its module
        return data


def net(width=4, head=2):
    torch.manual_seed(0)
    return Net(
        nn.Conv2d(3, width, 3),
        nn.BatchNorm2d(width),
        nn.Conv2d(width, head, 1),
    )


def save(model, path, **extra):
    torch.save(dict(state_dict=model.state_dict(), meta={}, **extra), path)
    return str(path)


def test_mismatch_counts():
    theirs = net(width=8).state_dict()
    theirs['extra.weight'] = torch.zeros(1)
    del theirs['2.bias']
    found = state_dict_mismatch(net(width=4), theirs)
    assert [k for k, _, _ in found.shape] == [
        '0.weight',
        '0.bias',
        '1.weight',
        '1.bias',
        '1.running_mean',
        '1.running_var',
        '2.weight',
    ]
    assert found.shape[0][1:] == ((8, 3, 3, 3), (4, 3, 3, 3))
    assert found.missing == ['2.bias'] and found.unexpected == ['extra.weight']
    assert found.matched == 1  # 1.num_batches_tracked
    # BatchNorm counters may be absent, as mmengine allows
    own = net().state_dict()
    del own['1.num_batches_tracked']
    assert not state_dict_mismatch(net(), own)


def test_strict_by_default(tmp_path):
    path = save(net(width=8), tmp_path / 'r18.pth')
    model = net(width=4)
    before = model[0].weight.detach().clone()
    with pytest.raises(CheckpointMismatchError) as err:
        load_weights(model, path, config='configs/mtl_cosa_r101_busi.py')
    msg = str(err.value)
    assert '\n' not in msg
    assert "checkpoint '" + path + "' does not fit the model of " in msg
    assert 'configs/mtl_cosa_r101_busi.py' in msg
    first = '0.weight (8, 3, 3, 3) in the checkpoint vs (4, 3, 3, 3)'
    assert f'7 differ in shape ({first} in the model' in msg
    assert '--allow-partial-load' in msg
    assert torch.equal(model[0].weight, before)  # nothing was loaded


def test_partial_load_is_a_warning(tmp_path):
    other = net(width=4, head=3)
    path = save(other, tmp_path / 'head3.pth')
    model = net(width=4, head=2)
    with mock.patch.object(weights, 'print_log') as log:
        load_weights(model, path, config='cfg.py', allow_partial=True)
    warning = log.call_args_list[0]
    assert warning.kwargs['level'] == 30  # logging.WARNING
    assert 'partial load' in warning.args[0]
    assert '2 differ in shape (2.weight' in warning.args[0]
    # the tensors that fit are loaded, the others keep their values
    assert torch.equal(model[0].weight, other[0].weight)
    assert model[2].weight.shape == (2, 4, 1, 1)
    # nothing fits at all: refused even with the flag
    unrelated = nn.Linear(2, 2)
    with pytest.raises(CheckpointMismatchError, match='0 tensors match'):
        load_weights(unrelated, path, allow_partial=True)


def test_wrappers_and_prefixes(tmp_path):
    trained = net()
    trained[0].weight.data.fill_(0.5)
    state = {f'module.{k}': v for k, v in trained.state_dict().items()}
    path = str(tmp_path / 'ddp.pth')
    torch.save(dict(state_dict=state), path)

    class TTA(BaseTTAModel):
        def merge_preds(self, data_samples_list):
            return data_samples_list

    tta = TTA(module=net())
    load_weights(tta, path)
    assert torch.equal(tta.module[0].weight, trained[0].weight)
    # not a checkpoint dict at all
    torch.save([1, 2], str(tmp_path / 'list.pth'))
    with pytest.raises(weights.CheckpointError, match='holds no state dict'):
        load_weights(net(), str(tmp_path / 'list.pth'))


def test_runner_hooks_see_the_checkpoint(tmp_path):
    trained = net()
    path = save(trained, tmp_path / 'ckpt.pth', message_hub={})
    runner = mock.MagicMock()
    runner.model = net(width=4)
    load_runner_weights(runner, path, 'cfg.py')
    hook_call = runner.call_hook.call_args
    assert hook_call.args == ('after_load_checkpoint',)
    assert 'state_dict' in hook_call.kwargs['checkpoint']
    assert torch.equal(runner.model[0].weight, trained[0].weight)
