"""The ONNX runner works with torch, mmengine, mmseg and mmcosa blocked."""

import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from mmcosa.deployment import OnnxRunner, phantom_images
from mmcosa.deployment import onnx_runner as runner_module

BLOCKED = (
    'torch',
    'torchvision',
    'mmengine',
    'mmcv',
    'mmseg',
    'mmpretrain',
    'mmcosa',
)

SCRIPT = r"""
import importlib.abc, importlib.util, json, sys

BLOCKED = {blocked!r}


class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError(f'{{name}} is blocked in this test')
        return None


sys.meta_path.insert(0, Block())
spec = importlib.util.spec_from_file_location('onnx_runner', {runner!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
import cv2
runner = module.OnnxRunner({model!r})
res = runner(cv2.imread({image!r}))
rc = module.main([{model!r}, {image!r}, '--out-dir', {out!r}])
print(json.dumps(dict(
    mask_sum=int(res['mask'].sum()), probs=res['probs'].tolist(),
    regions=list(res['regions'].shape), rc=rc,
    loaded=sorted(m for m in sys.modules if m.split('.')[0] in BLOCKED))))
"""


def test_runner_needs_no_torch_or_mmcosa(tiny_export, tmp_path):
    _, model_file, _ = tiny_export
    img = phantom_images(1, sizes=((90, 130),), seed=3)[0]
    image = str(tmp_path / 'case.png')
    cv2.imwrite(image, img)
    out = str(tmp_path / 'out')
    script = SCRIPT.format(
        blocked=BLOCKED,
        runner=runner_module.__file__,
        model=model_file,
        image=image,
        out=out,
    )
    proc = subprocess.run(
        [sys.executable, '-c', script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got['loaded'] == []
    expected = OnnxRunner(model_file)(img)
    assert got['mask_sum'] == int(expected['mask'].sum())
    np.testing.assert_allclose(got['probs'], expected['probs'], atol=1e-6)
    assert got['regions'] == [3, 90, 130]
    assert got['rc'] == 0
    assert osp.isfile(osp.join(out, 'case_mask.png'))
    with open(osp.join(out, 'predictions.csv')) as f:
        header, row = f.read().splitlines()[:2]
    assert header.startswith('file,status')
    assert ',ok,' in row


def test_runner_refuses_a_foreign_model(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node('Identity', ['x'], ['y'])],
        'g',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1])],
    )
    path = str(tmp_path / 'foreign.onnx')
    onnx.save(helper.make_model(graph), path)
    import pytest

    with pytest.raises(ValueError, match="no 'mmcosa' metadata"):
        OnnxRunner(path)
    with pytest.raises(FileNotFoundError, match='pytorch2onnx'):
        OnnxRunner(str(tmp_path / 'missing.onnx'))
    garbage = tmp_path / 'garbage.onnx'
    garbage.write_bytes(b'not a model')
    with pytest.raises(ValueError, match='cannot load'):
        OnnxRunner(str(garbage))


def test_runner_metadata_format_is_checked(tiny_export, tmp_path):
    import onnx
    import pytest

    _, model_file, meta = tiny_export
    proto = onnx.load(model_file)
    proto.metadata_props[0].value = json.dumps(dict(meta, format=99))
    path = str(tmp_path / 'future.onnx')
    onnx.save(proto, path)
    with pytest.raises(ValueError, match='metadata format 99'):
        OnnxRunner(path)
