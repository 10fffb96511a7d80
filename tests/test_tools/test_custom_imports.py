"""mmcosa used as a plugin by another project, with mmseg's stock tools."""

import os
import os.path as osp
import subprocess

import mmseg

from ..tiny_job import PYTHON, run

STOCK_TRAIN = osp.join(
    osp.dirname(mmseg.__file__), '.mim', 'tools', 'train.py'
)

# A config of "another project": no mmcosa _base_ file, only the plugin
# import. It uses mmcosa's phantom data set, packing transform and metrics
# around a tiny mmseg model.
OTHER_PROJECT_CONFIG = """
default_scope = 'mmseg'
{custom_imports}
phantom = dict(type='BUSPhantomDataset', num_samples=8, img_size=(32, 32),
               num_folds=2, seed=0)
pipeline = [dict(type='PackBUSInputs')]
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[128.] * 3,
                           std=[64.] * 3, size=(32, 32)),
    backbone=dict(type='UNet', in_channels=3, base_channels=4, num_stages=2,
                  strides=(1, 1), enc_num_convs=(1, 1), dec_num_convs=(1,),
                  downsamples=(True,), enc_dilations=(1, 1),
                  dec_dilations=(1,)),
    decode_head=dict(type='FCNHead', in_channels=4, in_index=-1, channels=4,
                     num_convs=1, num_classes=2,
                     loss_decode=dict(type='CrossEntropyLoss')),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**phantom, split='train', pipeline=pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**phantom, split='test', pipeline=pipeline))
val_evaluator = [dict(type='BUSSegMetric')]
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
val_cfg = dict(type='ValLoop')
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2),
    logger=dict(type='LoggerHook', interval=1))
"""


def write_config(folder, custom_imports: str) -> str:
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, 'plugin_cfg.py')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(OTHER_PROJECT_CONFIG.format(custom_imports=custom_imports))
    return path


def test_stock_mmseg_train_with_custom_imports(tmp_path):
    assert osp.isfile(STOCK_TRAIN), 'mmseg ships tools/train.py in .mim'
    project = tmp_path / 'other_project'
    cfg = write_config(
        str(project),
        "custom_imports = dict(imports=['mmcosa'], "
        'allow_failed_imports=False)',
    )
    work = str(project / 'work')
    proc = run(
        [PYTHON, STOCK_TRAIN, cfg, '--work-dir', work], cwd=str(project)
    )
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    log = proc.stdout + proc.stderr
    assert 'DSC' in log  # BUSSegMetric ran


def test_stock_mmseg_train_without_plugin_fails(tmp_path):
    """Without the plugin import, mmcv-lite breaks mmseg's own tool."""
    project = tmp_path / 'other_project'
    cfg = write_config(str(project), '')
    proc = subprocess.run(
        [PYTHON, STOCK_TRAIN, cfg, '--work-dir', str(project / 'w')],
        cwd=str(project),
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "No module named 'mmcv._ext'" in proc.stderr
