"""Settings of one benchmark run."""

from dataclasses import dataclass, field
from typing import Optional, Tuple

from .backend_options import BackendOptions

__all__ = ['BenchmarkOptions']

DEVICES = ('cpu', 'cuda')


@dataclass
class BenchmarkOptions:
    """What ``tools/analysis_tools/benchmark.py`` measures and how.

    Attributes:
        depth (int): ResNet depth of every model (101: the paper).
        size (tuple[int, int]): Input (h, w).
        batch_size (int): Images per training / inference batch.
        device (str): ``'cpu'`` or ``'cuda'``.
        amp (bool): Mixed precision (CUDA only).
        amp_dtype (str): ``'bfloat16'`` or ``'float16'``.
        channels_last (bool): Channels-last weights and activations.
        repeats (int): Timed repeats; each repeat runs every model once,
            in turn (round robin), so load drift hits all alike.
        warmup (int): Untimed training steps and inference calls per
            model before the timed ones (at least 1 inference and 2
            training steps are run to measure the memory).
        threads (int, optional): ``torch.set_num_threads``; None keeps
            torch's default.
        data_images (int): Phantom cases written for the data pipeline
            (0 skips it).
        data_passes (int): Passes of the pipeline over them.
        data_size_range (tuple): ``((h_min, h_max), (w_min, w_max))`` of
            the phantom files.
        split_repeats (int): Timed calls of the region split.
        peak_tflops (float): The card's dense peak for the AMP dtype.
        gpu_train_ips (float, optional): A training throughput (images/s)
            to size the dataloader for, besides the measured one.
        fused_adam (bool): Use torch's fused Adam instead of the config's
            default (for-loop on the CPU) implementation.
        profile (bool): Profile one training step of MTL and MTL-COSA.
        config_dir (str, optional): The ``configs/`` folder.
        backends (BackendOptions, optional): Also time fp32 / bf16
            PyTorch and ONNX Runtime fp32 / int8 side by side (and check
            their accuracy); None leaves that section out.
        only_backends (bool): Run the backends section alone.
    """

    depth: int = 101
    size: Tuple[int, int] = (256, 256)
    batch_size: int = 2
    device: str = 'cpu'
    amp: bool = False
    amp_dtype: str = 'bfloat16'
    channels_last: bool = False
    repeats: int = 5
    warmup: int = 2
    threads: Optional[int] = None
    data_images: int = 40
    data_passes: int = 3
    data_size_range: Tuple[Tuple[int, int], Tuple[int, int]] = field(
        default=((400, 600), (500, 700))
    )
    split_repeats: int = 20
    peak_tflops: float = 989.0
    gpu_train_ips: Optional[float] = None
    fused_adam: bool = False
    profile: bool = False
    config_dir: Optional[str] = None
    backends: Optional[BackendOptions] = None
    only_backends: bool = False

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise ValueError(
                f'device={self.device!r} is not one of {DEVICES}.'
            )
        if self.amp and self.device != 'cuda':
            raise ValueError(
                'amp=True needs --device cuda (mmengine AMP asserts on '
                'the CPU); drop --amp on the CPU.'
            )
        for name in ('batch_size', 'repeats', 'split_repeats'):
            if getattr(self, name) < 1:
                raise ValueError(
                    f'{name}={getattr(self, name)!r} must be >= 1.'
                )
        for name in ('warmup', 'data_images'):
            if getattr(self, name) < 0:
                raise ValueError(
                    f'{name}={getattr(self, name)!r} must be >= 0.'
                )
        if 0 < self.data_images < 10:
            raise ValueError(
                f'data_images={self.data_images!r}: the phantom BUSI '
                'writer needs >= 10 cases (0 skips the data pipeline).'
            )
        if self.threads is not None and self.threads < 1:
            raise ValueError(f'threads={self.threads!r} must be >= 1.')
        if len(self.size) != 2 or min(self.size) < 32:
            raise ValueError(
                f'size={self.size!r} must be (h, w) with both >= 32 '
                '(the C5 grid is 1/32 of the input).'
            )
        if self.only_backends and self.backends is None:
            raise ValueError(
                'only_backends=True needs backends=BackendOptions(...) '
                '(--only-backends turns it on from the command line).'
            )
        if self.peak_tflops <= 0:
            raise ValueError(
                f'peak_tflops={self.peak_tflops!r} must be positive.'
            )
