from .atomic_checkpoint_runner import PARTIAL_SUFFIX, AtomicCheckpointRunner
from .builder import build_runner

__all__ = ['AtomicCheckpointRunner', 'PARTIAL_SUFFIX', 'build_runner']
