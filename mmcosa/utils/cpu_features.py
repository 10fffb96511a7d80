"""What the CPU offers the reduced-precision paths: native bf16, VNNI.

Read by ``tools/infer.py --precision bf16`` (which warns where bf16 would
be emulated) and by the benchmark's backends section (which skips it).

bf16 through PyTorch / oneDNN is only faster than fp32 where the CPU has
bf16 dot-product instructions (``avx512_bf16``, ``amx_bf16``; ``bf16`` on
Arm); elsewhere oneDNN emulates it, several times slower than fp32, and
timing it would be a misleading figure. int8 through ONNX Runtime runs
everywhere, with VNNI (``avx512_vnni``, ``avx_vnni``) or with the u8s8
kernels of AVX2.
"""

import platform
from typing import Dict, FrozenSet, Optional, Union

import torch

__all__ = [
    'BF16_FLAGS',
    'VNNI_FLAGS',
    'bf16_support',
    'cpu_flags',
    'int8_support',
]

#: /proc/cpuinfo flags of native bf16 arithmetic (x86; Arm says ``bf16``).
BF16_FLAGS = ('avx512_bf16', 'amx_bf16', 'bf16')
#: /proc/cpuinfo flags of the int8 dot-product instructions (x86).
VNNI_FLAGS = ('avx512_vnni', 'avx_vnni')


def cpu_flags(path: str = '/proc/cpuinfo') -> Optional[FrozenSet[str]]:
    """The CPU's feature flags (``flags`` on x86, ``Features`` on Arm).

    Returns:
        frozenset[str] | None: The flags of the first processor; None off
        Linux or when the file cannot be read.
    """
    if platform.system() != 'Linux':
        return None
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() in ('flags', 'Features'):
                    return frozenset(value.split())
    except OSError:
        return None
    return None


def _torch_bf16() -> bool:
    """torch's own answer (oneDNN's bf16 support), used off Linux."""
    check = getattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported', None)
    return bool(check()) if check is not None else False


def bf16_support(
    flags: Optional[FrozenSet[str]] = None,
) -> Dict[str, Union[bool, str]]:
    """Whether bf16 autocast on this CPU is worth timing.

    Args:
        flags (frozenset[str], optional): CPU flags; default
            :func:`cpu_flags`. Without flags (not Linux) torch's
            capability information decides.

    Returns:
        dict: ``supported`` (bool), ``source`` (``'/proc/cpuinfo'`` or
        ``'torch'``) and ``reason`` (the flags found, or why not).
    """
    flags = cpu_flags() if flags is None else flags
    if flags is None:
        supported = _torch_bf16()
        capability = torch.backends.cpu.get_cpu_capability()
        return dict(
            supported=supported,
            source='torch',
            reason=f'torch: oneDNN bf16 support {supported} (CPU capability '
            f'{capability}; no /proc/cpuinfo here)',
        )
    found = [f for f in BF16_FLAGS if f in flags]
    if found:
        return dict(
            supported=True,
            source='/proc/cpuinfo',
            reason=f'native bf16: {", ".join(found)}',
        )
    return dict(
        supported=False,
        source='/proc/cpuinfo',
        reason='the CPU has none of ' + ', '.join(BF16_FLAGS[:2]) + ': '
        'oneDNN would emulate bf16, slower than fp32',
    )


def int8_support(
    flags: Optional[FrozenSet[str]] = None,
) -> Dict[str, Union[bool, str, None]]:
    """Which int8 kernels ONNX Runtime uses here.

    Args:
        flags (frozenset[str], optional): CPU flags; default
            :func:`cpu_flags`.

    Returns:
        dict: ``vnni`` (bool, None when unknown) and ``note``.
    """
    flags = cpu_flags() if flags is None else flags
    if flags is None:
        return dict(vnni=None, note='CPU flags unknown (not Linux)')
    found = [f for f in VNNI_FLAGS if f in flags]
    if found:
        return dict(vnni=True, note=f'VNNI ({", ".join(found)})')
    simd = 'AVX2' if 'avx2' in flags else "the CPU's SIMD"
    return dict(vnni=False, note=f'no VNNI: u8s8 kernels on {simd}')
