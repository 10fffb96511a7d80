"""A tiny segmentation job written into a temporary folder.

Built from mmseg's own components so that the tools are tested on their own
(the mmcosa models and data sets have their own tests). The data set is a
handful of 32x32 images with one bright square each; the model is a
3k-parameter UNet.
"""

import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List

import numpy as np
import pytest
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

TINY_CONFIG = """
_base_ = [{runtime!r}]
data_root = {data_root!r}
crop = (32, 32)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[128.] * 3, std=[64.] * 3,
        bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=crop),
    backbone=dict(
        type='UNet', in_channels=3, base_channels=4, num_stages=3,
        strides=(1, 1, 1), enc_num_convs=(1, 1, 1), dec_num_convs=(1, 1),
        downsamples=(True, True), enc_dilations=(1, 1, 1),
        dec_dilations=(1, 1), norm_cfg=dict(type={norm!r}),
        upsample_cfg=dict(type='InterpConv')),
    decode_head=dict(
        type='FCNHead', in_channels=4, in_index=-1, channels=4, num_convs=1,
        concat_input=False, num_classes=2, norm_cfg=dict(type={norm!r}),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
test_pipeline = pipeline
dataset = dict(
    type='BaseSegDataset', data_root=data_root,
    metainfo=dict(classes=('background', 'tumour')),
    data_prefix=dict(img_path='img', seg_map_path='ann'),
    img_suffix='.png', seg_map_suffix='.png', pipeline=pipeline)
train_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True), dataset=dataset)
val_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False), dataset=dataset)
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-2))
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters},
                 val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
log_processor = dict(by_epoch=False)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval={ckpt_interval}),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
randomness = dict(seed=0)
"""


def write_tiny_data(root: str, num: int = 8) -> None:
    """Write ``num`` 32x32 RGB images with one square and its 0/1 mask."""
    rng = np.random.default_rng(0)
    for sub in ('img', 'ann'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    for i in range(num):
        img = rng.integers(0, 60, (32, 32, 3), dtype=np.uint8)
        mask = np.zeros((32, 32), np.uint8)
        y, x = rng.integers(2, 14, 2)
        mask[y : y + 16, x : x + 16] = 1
        img[mask == 1] += 150
        Image.fromarray(img).save(osp.join(root, 'img', f'{i:03d}.png'))
        Image.fromarray(mask).save(osp.join(root, 'ann', f'{i:03d}.png'))


def write_tiny_config(
    path: str,
    data_root: str,
    max_iters: int = 4,
    ckpt_interval: int = 2,
    norm: str = 'BN',
    runtime: str = None,
) -> str:
    """Write the tiny config to ``path`` and return it."""
    runtime = runtime or osp.join(
        REPO, 'configs', '_base_', 'default_runtime.py'
    )
    with open(path, 'w', encoding='utf-8') as f:
        f.write(
            TINY_CONFIG.format(
                runtime=runtime,
                data_root=data_root,
                max_iters=max_iters,
                ckpt_interval=ckpt_interval,
                norm=norm,
            )
        )
    return path


def run(
    cmd: List[str],
    cwd: str = REPO,
    env: Dict[str, str] = None,
    timeout: int = 300,
) -> subprocess.CompletedProcess:
    """Run a command, failing the test with its output when it fails."""
    full_env = dict(os.environ, OMP_NUM_THREADS='1')
    full_env.update(env or {})
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        pytest.fail(
            f'{" ".join(cmd)} exited {proc.returncode}\n'
            f'--- stdout ---\n{proc.stdout[-4000:]}\n'
            f'--- stderr ---\n{proc.stderr[-6000:]}'
        )
    return proc


PYTHON = sys.executable


def train_tiny_checkpoint(config: str, data_root: str, path: str) -> str:
    """Fit the tiny model with a plain loop and save an mmengine checkpoint.

    The result predicts the squares well, so tests that compare predictions
    do not pass merely because every prediction is background.
    """
    import torch
    from mmengine.config import Config
    from mmengine.logging import HistoryBuffer
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    from mmseg.utils import register_all_modules

    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    names = sorted(os.listdir(osp.join(data_root, 'img')))
    imgs = [
        torch.from_numpy(np.array(Image.open(osp.join(data_root, 'img', n))))
        .permute(2, 0, 1)
        .flip(0)  # BGR, as LoadImageFromFile reads it
        for n in names
    ]
    gts = [
        torch.from_numpy(np.array(Image.open(osp.join(data_root, 'ann', n))))
        for n in names
    ]
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    for it in range(60):
        idx = [(2 * it) % len(names), (2 * it + 1) % len(names)]
        samples = []
        for i in idx:
            sample = SegDataSample(
                gt_sem_seg=PixelData(data=gts[i][None].long())
            )
            sample.set_metainfo(dict(img_shape=(32, 32), pad_shape=(32, 32)))
            samples.append(sample)
        data = model.data_preprocessor(
            dict(inputs=[imgs[i] for i in idx], data_samples=samples), True
        )
        loss = model(**data, mode='loss')['decode.loss_ce']
        optim.zero_grad()
        loss.backward()
        optim.step()
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(hist=HistoryBuffer([1.0], [1]), seed=np.int64(0)),
        ),
        path,
    )
    return path
