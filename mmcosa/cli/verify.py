"""Command line of ``tools/dataset_converters/verify.py``.

``verify.py OUT`` checks the files of a prepared folder (see
:func:`mmcosa.datasets.converters.verify_prepared`), then audits its folds
for leaks (see :mod:`mmcosa.datasets.converters.leak_audit`);
``--splits-from FILE`` audits a split made elsewhere instead of
``OUT/splits`` (the folder is only read). Exit code: 0 sound and
leak-free, 1 problems or leaks found, 2 bad arguments.
"""

import argparse
import json
import logging
import os
from pathlib import Path
from typing import List, Optional, Union

from mmengine.logging import print_log

from mmcosa.datasets.converters.audit_duplicates import (
    AUDIT_DEDUP_MODES,
    folder_duplicates,
    recorded_dedup_mode,
)
from mmcosa.datasets.converters.leak_audit import (
    FoldAudit,
    KeepListAudit,
    audit_folds,
    audit_kept,
    folder_splits,
)
from mmcosa.datasets.converters.splits_import import read_split
from mmcosa.datasets.converters.verify import verify_prepared

__all__ = ['leak_audit', 'verify_main']


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description='Check a prepared mmcosa data folder, name every '
        'problem, and audit its folds (or another split) for test images '
        'whose duplicate is in training.'
    )
    p.add_argument('root', type=Path, help='prepared folder (data/busi)')
    p.add_argument(
        '--dedup',
        choices=AUDIT_DEDUP_MODES,
        default='full',
        help='duplicates for the leak audit: full (keypoints + pixel '
        'check, finds re-crops, zooms and adjacent frames), hash (dHash, '
        'fast, misses those), meta (reuse meta.json groups found in full '
        'mode for these images), none (no audit). Default full.',
    )
    p.add_argument(
        '--splits-from',
        type=Path,
        default=None,
        metavar='FILE',
        help='audit this split instead of OUT/splits: a CSV fold,filename '
        '(test images per fold), a JSON {"0": [...], ...}, or a '
        'Curated-BUSI keep-list of class;id lines; see '
        'docs/en/leak_audit.md',
    )
    p.add_argument(
        '--workers',
        type=int,
        default=min(4, os.cpu_count() or 1),
        help='threads computing image features (default: min(4, cores))',
    )
    p.add_argument(
        '--no-progress', action='store_true', help='no progress bar'
    )
    return p


def _meta(root: Path) -> dict:
    try:
        meta = json.loads((root / 'meta.json').read_text('utf-8'))
    except (OSError, ValueError):
        return {}  # named by verify_prepared
    return meta if isinstance(meta, dict) else {}


def leak_audit(
    root: Path,
    dedup: str = 'full',
    splits_from: Optional[Path] = None,
    workers: int = 1,
    progress: bool = False,
) -> Union[FoldAudit, KeepListAudit]:
    """Audit the folds of ``root`` (or the split in ``splits_from``).

    Args:
        root (Path): A prepared folder.
        dedup (str): A mode of ``--dedup`` except ``none``.
        splits_from (Path, optional): A split file (see
            :mod:`mmcosa.datasets.converters.splits_import`); default
            ``root/splits``.
        workers (int): Threads computing image features.
        progress (bool): Show progress bars.

    Returns:
        FoldAudit | KeepListAudit: The leaks found.

    Raises:
        ValueError: A bad split file or ``--dedup meta`` not applicable
            (the message names the file and the fix).
    """
    root = Path(root)
    meta = _meta(root)
    images = sorted(p.name for p in (root / 'images').glob('*.png'))
    split = None
    if splits_from is not None:  # read first: its errors come cheaply
        split = read_split(splits_from, images, meta.get('sources') or {})
    dups = folder_duplicates(root, dedup, workers, progress)
    if dedup == 'full' and recorded_dedup_mode(meta) == 'full':
        print_log(
            'note: meta.json holds duplicate groups found in full mode; '
            '--dedup meta reuses them instead of recomputing',
            logger='current',
        )
    if split is None:
        return audit_folds(dups, folder_splits(root), f'{root}/splits')
    if split.kind == 'keep_list':
        return audit_kept(dups, split.kept, str(split.path))
    return audit_folds(dups, split.folds, str(split.path))


def _leaks(report: Union[FoldAudit, KeepListAudit]) -> bool:
    if isinstance(report, FoldAudit):
        return report.leaking_images > 0
    return bool(report.leaks)


def verify_main(argv: Optional[List[str]] = None) -> int:
    """``verify.py OUT [--dedup MODE] [--splits-from FILE]``: the checks
    and the leak audit; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.workers < 1:
        _parser().error(f'--workers must be >= 1, got {args.workers}')
    root = args.root
    problems = verify_prepared(root, progress=not args.no_progress)
    if problems:
        print_log(
            f'{root}: {len(problems)} problem(s):\n'
            + '\n'.join(f'  - {m}' for m in problems)
            + '\nRe-run the converter (with --overwrite) to rebuild it.',
            logger='current',
            level=logging.WARNING,
        )
    else:
        print_log(
            f'{root}: OK (images, masks, labels.csv, splits)',
            logger='current',
        )
    if not (root / 'images').is_dir():
        return 1
    if args.dedup == 'none':
        print_log(
            'leak audit: off (--dedup none)',
            logger='current',
            level=logging.WARNING if args.splits_from else logging.INFO,
        )
        return int(bool(problems))
    try:
        report = leak_audit(
            root,
            args.dedup,
            args.splits_from,
            args.workers,
            progress=not args.no_progress,
        )
    except ValueError as e:
        print_log(
            f'leak audit not run: {e}',
            logger='current',
            level=logging.WARNING,
        )
        return 1
    leaks = _leaks(report)
    print_log(
        report.format(),
        logger='current',
        level=logging.WARNING if leaks else logging.INFO,
    )
    return int(bool(problems) or leaks)
