"""The duplicate links of a prepared folder, for the leak audit.

Computed from the images by
:func:`~mmcosa.datasets.duplicates.find_duplicates` (``full``, ``hash``,
``none``), or reused from ``meta.json`` (``meta``) when the converter wrote
them in full mode for exactly the images the folder holds now.
"""

import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from ..duplicates import DEDUP_MODES, LEVELS, find_duplicates

__all__ = [
    'AUDIT_DEDUP_MODES',
    'DuplicateSet',
    'LeakAuditError',
    'folder_duplicates',
    'format_evidence',
    'recorded_dedup_mode',
]

#: Modes of ``verify.py --dedup``: those of the finder, plus ``meta``.
AUDIT_DEDUP_MODES = DEDUP_MODES + ('meta',)
SAME_FRAME, SAME_LESION = LEVELS
_EVIDENCE_KEYS = (
    'method',
    'inliers',
    'difference',
    'correlation',
    'scale',
    'hash_distance',
)


class LeakAuditError(ValueError):
    """The leak audit cannot run as asked (the message says why)."""


def format_evidence(link: dict) -> str:
    """``method keypoints, inliers 48, difference 0.03, ...``."""
    return ', '.join(f'{k} {link[k]}' for k in _EVIDENCE_KEYS if k in link)


@dataclass
class DuplicateSet:
    """Duplicate links and groups among the images of a folder, by name.

    Attributes:
        links (list[dict]): Each with ``members`` (two names), ``level``
            (``same_frame`` / ``same_lesion``) and the evidence.
        groups (list[list[str]]): Connected images, two or more each.
        origin (str): Where the links come from, for the log.
    """

    links: List[dict]
    groups: List[List[str]]
    origin: str
    _adj: Dict[str, List[dict]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for link in self.links:
            for name in link['members']:
                self._adj.setdefault(name, []).append(link)

    def group_of(self) -> Dict[str, int]:
        """Name -> index of its group, for grouped images."""
        return {n: k for k, g in enumerate(self.groups) for n in g}

    def chain(self, a: str, b: str) -> List[dict]:
        """The fewest links connecting ``a`` to ``b`` (empty if none)."""
        prev: Dict[str, Optional[tuple]] = {a: None}
        todo = deque([a])
        while todo and b not in prev:
            cur = todo.popleft()
            for link in self._adj.get(cur, []):
                nxt = [m for m in link['members'] if m != cur][0]
                if nxt not in prev:
                    prev[nxt] = (cur, link)
                    todo.append(nxt)
        if b not in prev:
            return []
        out, cur = [], b
        while prev[cur] is not None:
            cur, link = prev[cur]
            out.append(link)
        return out[::-1]


def recorded_dedup_mode(meta: dict) -> Optional[str]:
    """The mode ``meta.json`` says its duplicate groups were found in
    (``duplicates.mode``, else ``options.dedup``); None if unrecorded."""
    found = meta.get('duplicates')
    if isinstance(found, dict) and 'mode' in found:
        return found['mode']
    options = meta.get('options')
    return options.get('dedup') if isinstance(options, dict) else None


def _from_meta(root: Path, images: List[str]) -> DuplicateSet:
    meta_path = root / 'meta.json'
    try:
        meta = json.loads(meta_path.read_text('utf-8'))
    except (OSError, ValueError) as e:
        raise LeakAuditError(
            f'{meta_path}: cannot be read ({e}); use --dedup full.'
        ) from e
    mode = recorded_dedup_mode(meta)
    groups = meta.get('duplicate_groups') or []
    if mode != 'full' or any('links' not in g for g in groups):
        raise LeakAuditError(
            f'{meta_path}: its duplicate groups were not found in full mode '
            f'(recorded mode {mode!r}); --dedup meta reuses only full-mode '
            f'groups. Use --dedup full (or re-convert with --dedup full).'
        )
    listed = sorted(meta.get('sources', {}))
    if listed != images:
        diff = sorted(set(listed) ^ set(images))
        raise LeakAuditError(
            f'{meta_path}: lists other images than {root / "images"} '
            f'(e.g. {diff[:3]}); its duplicate groups do not describe them. '
            f'Use --dedup full.'
        )
    stamp = meta_path.stat().st_mtime
    newer = [
        n for n in images if (root / 'images' / n).stat().st_mtime > stamp
    ]
    if newer:
        raise LeakAuditError(
            f'{root / "images"}: {len(newer)} image(s) changed after '
            f'meta.json was written (e.g. {newer[0]}); its duplicate groups '
            f'may be stale. Use --dedup full.'
        )
    present = set(images)
    links = [
        dict(link, level=link.get('level', g.get('level')))
        for g in groups
        for link in g['links']
        if set(link['members']) <= present
    ]
    kept = [[m for m in g['members'] if m in present] for g in groups]
    return DuplicateSet(
        links,
        [g for g in kept if len(g) > 1],
        f'meta.json (full mode, {len(images)} images)',
    )


def folder_duplicates(
    root: Path, dedup: str = 'full', workers: int = 1, progress: bool = False
) -> DuplicateSet:
    """The duplicates among ``root/images/*.png``.

    Args:
        root (Path): A prepared folder.
        dedup (str): One of :data:`AUDIT_DEDUP_MODES`. Defaults to
            ``'full'``.
        workers (int): Threads computing image features. Defaults to 1.
        progress (bool): Show progress bars.

    Returns:
        DuplicateSet: Links and groups by image name.

    Raises:
        LeakAuditError: ``meta`` asked but ``meta.json`` holds no
            full-mode groups for the images of the folder.
    """
    if dedup not in AUDIT_DEDUP_MODES:
        raise ValueError(
            f'dedup must be one of {AUDIT_DEDUP_MODES}, got {dedup!r}'
        )
    root = Path(root)
    images = sorted(p.name for p in (root / 'images').glob('*.png'))
    if dedup == 'meta':
        return _from_meta(root, images)
    start = time.perf_counter()
    rep = find_duplicates(
        [root / 'images' / n for n in images],
        mode=dedup,
        workers=workers,
        progress=progress,
    )
    links = [
        dict(members=[images[p.a], images[p.b]], **p.evidence)
        for p in rep.pairs
    ]
    for link, p in zip(links, rep.pairs):
        link['level'] = p.level
    return DuplicateSet(
        links,
        [[images[i] for i in g] for g in rep.groups],
        f'{dedup} mode, computed from {len(images)} images in '
        f'{time.perf_counter() - start:.1f} s',
    )
