from .atomic_checkpoint_runner import PARTIAL_SUFFIX, AtomicCheckpointRunner

__all__ = ['AtomicCheckpointRunner', 'PARTIAL_SUFFIX']
