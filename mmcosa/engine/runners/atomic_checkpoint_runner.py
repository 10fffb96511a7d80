"""mmengine's Runner, with checkpoints that appear only when complete."""

import glob
import os
import os.path as osp
from typing import Optional

from mmengine.dist import master_only
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.runner import Runner
from mmseg.registry import RUNNERS

__all__ = ['AtomicCheckpointRunner', 'PARTIAL_SUFFIX']

#: Suffix of the hidden file a checkpoint is written to before its rename.
PARTIAL_SUFFIX = '.partial'


@RUNNERS.register_module()
class AtomicCheckpointRunner(Runner):
    """A Runner whose checkpoints are written, then renamed into place.

    mmengine writes ``iter_N.pth`` (and ``best_*.pth``) in place, so a run
    killed while saving leaves a truncated file under the final name, which
    ``last_checkpoint`` or a user may later pick. Here a local checkpoint is
    written to ``.<name>.partial`` in the same folder, flushed to disk and
    renamed (atomic on one file system); ``CheckpointHook`` writes
    ``last_checkpoint`` only after :meth:`save_checkpoint` returns, so it
    never names an incomplete file. A ``.partial`` file left by a killed run
    is removed by the next save into that folder. Remote back ends (an
    ``s3://`` ``out_dir``) are written as mmengine writes them.

    ``tools/train.py``, ``tools/test.py`` (and mmcosa's cross-validation)
    build this runner; ``runner_type = 'AtomicCheckpointRunner'`` in a
    config makes mmseg's own tools build it too. Everything else is
    mmengine's :class:`~mmengine.runner.Runner`.
    """

    @master_only
    def save_checkpoint(
        self,
        out_dir: str,
        filename: str,
        file_client_args: Optional[dict] = None,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        meta: Optional[dict] = None,
        by_epoch: bool = True,
        backend_args: Optional[dict] = None,
    ) -> None:
        """Save like :meth:`Runner.save_checkpoint`, atomically on disk.

        Args:
            out_dir (str): Folder of the checkpoint.
            filename (str): Its file name (may hold a sub folder).
            file_client_args, save_optimizer, save_param_scheduler, meta,
            by_epoch, backend_args: As :meth:`Runner.save_checkpoint`.
        """
        options = dict(
            file_client_args=file_client_args,
            save_optimizer=save_optimizer,
            save_param_scheduler=save_param_scheduler,
            meta=meta,
            by_epoch=by_epoch,
            backend_args=backend_args,
        )
        backend = get_file_backend(out_dir, backend_args=backend_args)
        if file_client_args is not None or not isinstance(
            backend, LocalBackend
        ):
            return super().save_checkpoint(out_dir, filename, **options)
        folder, name = osp.split(osp.join(out_dir, filename))
        for stale in glob.glob(osp.join(folder, f'.*{PARTIAL_SUFFIX}')):
            if osp.isfile(stale):
                os.remove(stale)  # left by a run killed while saving
        partial_name = f'.{name}{PARTIAL_SUFFIX}'
        super().save_checkpoint(
            out_dir,
            osp.join(osp.dirname(filename), partial_name),
            **options,
        )
        partial = osp.join(folder, partial_name)
        with open(partial, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(partial, osp.join(folder, name))
