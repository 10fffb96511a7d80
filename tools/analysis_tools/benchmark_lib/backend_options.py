"""Settings of the backends section (fp32 / bf16 PyTorch, ORT fp32 / int8)."""

import os.path as osp
from dataclasses import dataclass
from typing import Optional

__all__ = ['DEFAULT_BACKEND_CONFIG', 'BackendOptions']

#: The config timed by default (MTL-COSA r101, 256x256): the paper's model.
DEFAULT_BACKEND_CONFIG = 'mtl_cosa_r101_busi.py'


@dataclass
class BackendOptions:
    """What the backends section times and checks.

    Attributes:
        config (str, optional): Config of the timed model, built with
            random weights (no download); its input size is the exported
            one. Defaults to ``configs/mtl_cosa_r101_busi.py``.
        batch_size (int): Images per timed call. Defaults to 1.
        repeats (int): Timed rounds; each round calls every path once,
            in alternating order. Defaults to 10.
        warmup (int): Untimed calls per path first. Defaults to 2.
        calibration_images (int): Phantom images the int8 model is
            calibrated on. Defaults to 32.
        deploy_config (str, optional): Config of a trained model whose
            reduced paths are checked for accuracy against fp32.
        deploy_checkpoint (str, optional): Its checkpoint.
        accuracy_images (int): First N images of the config's test split
            for the accuracy check. Defaults to 100.
        work_dir (str, optional): Where the ONNX files are written and
            kept; default a temporary folder removed afterwards.
    """

    config: Optional[str] = None
    batch_size: int = 1
    repeats: int = 10
    warmup: int = 2
    calibration_images: int = 32
    deploy_config: Optional[str] = None
    deploy_checkpoint: Optional[str] = None
    accuracy_images: int = 100
    work_dir: Optional[str] = None

    def __post_init__(self) -> None:
        for name in (
            'batch_size',
            'repeats',
            'calibration_images',
            'accuracy_images',
        ):
            if getattr(self, name) < 1:
                raise ValueError(
                    f'{name}={getattr(self, name)!r} must be >= 1.'
                )
        if self.warmup < 0:
            raise ValueError(f'warmup={self.warmup!r} must be >= 0.')
        if (self.deploy_config is None) != (self.deploy_checkpoint is None):
            raise ValueError(
                f'deploy_config={self.deploy_config!r}, deploy_checkpoint='
                f'{self.deploy_checkpoint!r}: the accuracy check needs both '
                '(--deploy-config CFG --deploy-checkpoint CKPT).'
            )
        for name in ('config', 'deploy_config', 'deploy_checkpoint'):
            path = getattr(self, name)
            if path is not None and not osp.isfile(path):
                raise FileNotFoundError(f'{name}={path!r} does not exist.')
