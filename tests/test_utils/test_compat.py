"""The compatibility layer: what it fixes, and what it must leave alone.

Each case runs in a fresh interpreter, since the layer acts at import time.
"""

import subprocess
import sys
import textwrap

import pytest
import torch

from mmcosa.utils import compat
from mmcosa.utils.compat import (
    FALLBACK_FLAG,
    mmcv_full_available,
    sigmoid_focal_loss,
    torch_loads_weights_only,
)

COMPAT_PATH = compat.__file__
# compat.py and its sibling modules, without running mmcosa/__init__.py.
LOAD_COMPAT = (
    'import importlib.util, os.path as osp, sys, types; '
    "pkg = types.ModuleType('_compat_pkg'); "
    f'pkg.__path__ = [osp.dirname({COMPAT_PATH!r})]; '
    "sys.modules['_compat_pkg'] = pkg; "
    'spec = importlib.util.spec_from_file_location('
    f"'_compat_pkg.compat', {COMPAT_PATH!r}); "
    'compat = importlib.util.module_from_spec(spec); '
    "sys.modules['_compat_pkg.compat'] = compat; "
    'spec.loader.exec_module(compat)'
)

pytestmark = pytest.mark.skipif(
    mmcv_full_available(), reason='these cases need mmcv-lite installed'
)


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-c', textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_stack_is_broken_without_mmcosa():
    """The case the layer exists for: mmcv-lite breaks mmseg.models."""
    proc = run_python('import mmseg.models')
    assert proc.returncode != 0
    assert "No module named 'mmcv._ext'" in proc.stderr


def test_every_subpackage_imports_with_mmcv_lite():
    proc = run_python(f"""
        import sys
        import mmcosa
        import mmseg.apis, mmseg.datasets, mmseg.engine, mmseg.evaluation
        import mmseg.models, mmseg.utils, mmseg.visualization
        import mmpretrain.apis, mmpretrain.datasets, mmpretrain.engine
        import mmpretrain.evaluation, mmpretrain.models
        import mmpretrain.visualization
        from mmseg.models.decode_heads import cc_head, psa_head, point_head
        from mmseg.models.losses import FocalLoss
        assert getattr(sys.modules['mmcv.ops'], {FALLBACK_FLAG!r})
        # Guarded imports keep falling back, not crashing.
        assert cc_head.CrissCrossAttention is None
        try:
            from mmcv.ops import RoIAlign
        except ModuleNotFoundError as e:
            assert 'full mmcv build' in str(e)
        else:
            raise AssertionError('RoIAlign must not import')
        from mmengine.utils import digit_version
        print('ok')
        """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith('ok')
    assert 'MultiScaleDeformableAttention' not in proc.stderr


def test_fallback_keeps_the_attribute_and_import_protocols():
    """hasattr / getattr with a default answer; every guard style falls
    back; no warning filter is left installed."""
    proc = run_python("""
        import sys, warnings
        import mmcosa, mmcv
        ops = sys.modules['mmcv.ops']
        assert ops is mmcv.ops
        assert hasattr(ops, 'nms') is False
        assert getattr(ops, 'nms', None) is None
        assert hasattr(ops, 'point_sample')
        try:
            ops.nms
        except AttributeError as e:
            assert 'full mmcv build' in str(e)
        else:
            raise AssertionError('ops.nms must not exist')
        for stmt in ('from mmcv.ops import nms', 'import mmcv.ops.nms',
                     'from mmcv.ops.nms import batched_nms'):
            try:
                exec(stmt)
            except ModuleNotFoundError as e:  # mmseg's guards
                assert e.name == 'mmcv._ext' and 'mmcv-lite' in str(e)
            else:
                raise AssertionError(stmt + ' must fail')
        try:  # mmcv's guards
            from mmcv.ops import RoIAlign
        except ImportError:
            RoIAlign = None
        assert RoIAlign is None
        left = [f for f in warnings.filters
                if f[1] is not None and 'Deformable' in f[1].pattern]
        assert not left, left
        print('ok')
        """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith('ok')
    assert 'MultiScaleDeformableAttention' not in proc.stderr


def test_full_mmcv_is_left_untouched():
    """With compiled ops present, mmcv.ops is not replaced."""
    proc = run_python(f"""
        import importlib.machinery, sys, types
        ext = types.ModuleType('mmcv._ext')
        ext.__spec__ = importlib.machinery.ModuleSpec('mmcv._ext', None)
        sys.modules['mmcv._ext'] = ext
        # Load the module alone: the fake extension cannot run mmseg.
        {LOAD_COMPAT}
        assert compat.mmcv_full_available()
        assert compat.install_mmcv_ops_fallback() is False
        compat.apply_compat()
        ops = sys.modules.get('mmcv.ops')
        assert ops is None or not getattr(ops, {FALLBACK_FLAG!r}, False)
        print('untouched')
        """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'untouched' in proc.stdout


def test_sigmoid_focal_loss_matches_reference():
    from mmseg.models.losses.focal_loss import py_sigmoid_focal_loss

    torch.manual_seed(0)
    pred = torch.randn(6, 3)
    target = torch.tensor([0, 1, 2, 3, 1, 0])  # 3 = background
    one_hot = torch.nn.functional.one_hot(target, 4)[:, :3].float()
    expected = py_sigmoid_focal_loss(
        pred, one_hot, gamma=2.0, alpha=0.25, reduction='none'
    )
    got = sigmoid_focal_loss(pred, target, 2.0, 0.25, None, 'none')
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(
        sigmoid_focal_loss(pred, target), expected.mean()
    )
    with pytest.raises(ValueError, match='reduction must be'):
        sigmoid_focal_loss(pred, target, reduction='avg')


CHECKPOINT_WITH_OBJECTS = """
    import numpy as np, torch
    from mmengine.logging import HistoryBuffer
    torch.save(dict(meta=dict(hist=HistoryBuffer([1, 2], [1, 1]),
                              seed=np.int64(3), arr=np.zeros(2)),
                    state_dict=dict(w=torch.ones(2))), {path!r})
"""


def test_mmengine_checkpoints_load_under_torch_2_6(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    proc = run_python(CHECKPOINT_WITH_OBJECTS.format(path=path))
    assert proc.returncode == 0, proc.stderr
    load = f"""
        from mmengine.runner.checkpoint import _load_checkpoint
        ckpt = _load_checkpoint({path!r}, map_location='cpu')
        print(int(ckpt['meta']['seed']), ckpt['state_dict']['w'].sum().item())
    """
    if torch_loads_weights_only():
        broken = run_python(load)
        assert broken.returncode != 0
        assert 'Weights only load failed' in broken.stderr
    fixed = run_python('import mmcosa\n' + textwrap.dedent(load))
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert fixed.stdout.split()[-2:] == ['3', '2.0']


def test_loader_untouched_before_torch_2_6():
    proc = run_python(f"""
        from mmengine.runner import CheckpointLoader
        before = CheckpointLoader._schemes['']
        {LOAD_COMPAT}
        register_checkpoint_loader = compat.register_checkpoint_loader
        assert register_checkpoint_loader('2.5.1+cu121') is False
        assert CheckpointLoader._schemes[''] is before
        assert register_checkpoint_loader('2.6.0') is True
        assert CheckpointLoader._schemes[''] is not before
        print('ok')
        """)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize(
    'version,expected',
    [
        ('2.5.1', False),
        ('2.6.0', True),
        ('2.14.1+cu130', True),
        ('1.13.0', False),
    ],
)
def test_torch_loads_weights_only(version, expected):
    assert torch_loads_weights_only(version) is expected


def test_mmseg_init_model_loads_a_trained_checkpoint(tmp_path):
    """mmseg.apis.init_model on a checkpoint written by this stack."""
    from tests.tiny_job import write_tiny_config, write_tiny_data

    write_tiny_data(str(tmp_path / 'data'), num=2)
    cfg = write_tiny_config(str(tmp_path / 'cfg.py'), str(tmp_path / 'data'))
    ckpt = str(tmp_path / 'ckpt.pth')
    proc = run_python(f"""
        import numpy as np, torch
        import mmcosa
        from mmengine.config import Config
        from mmengine.logging import HistoryBuffer
        from mmseg.apis import inference_model, init_model
        from mmseg.utils import register_all_modules
        register_all_modules()
        model = init_model({cfg!r}, device='cpu')
        torch.save(dict(state_dict=model.state_dict(),
                        meta=dict(hist=HistoryBuffer([1.], [1]),
                                  seed=np.int64(1))), {ckpt!r})
        model = init_model({cfg!r}, {ckpt!r}, device='cpu')
        out = inference_model(model, np.zeros((32, 32, 3), np.uint8))
        print(tuple(out.pred_sem_seg.shape))
        """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith('(32, 32)')
