"""The runner the tools build from a config."""

from mmengine.config import Config

from .atomic_checkpoint_runner import AtomicCheckpointRunner

__all__ = ['build_runner']


def build_runner(cfg: Config):
    """Build the runner: ``cfg.runner_type`` if set, else mmcosa's
    :class:`~mmcosa.engine.AtomicCheckpointRunner` (mmengine's Runner with
    checkpoints renamed into place once complete).

    Args:
        cfg (Config): The merged config.

    Returns:
        mmengine.runner.Runner: The built runner.
    """
    if 'runner_type' not in cfg:
        return AtomicCheckpointRunner.from_cfg(cfg)
    from mmseg.registry import RUNNERS

    return RUNNERS.build(cfg)
