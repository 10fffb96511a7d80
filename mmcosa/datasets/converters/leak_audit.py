"""Leak audit: test images whose duplicate sits in the training set.

A test image leaks when another member of its duplicate group (same frame
or same lesion, see :mod:`mmcosa.datasets.duplicates`) is in the training
list of the same fold: the model has seen that frame or lesion. A
keep-list (a subset of the data, not folds) leaks when it keeps two
members of a group, since any split of it may put them on both sides.

Call graph::

    verify.py OUT [--dedup MODE] [--splits-from FILE]   (mmcosa.cli.verify)
      folder_duplicates(OUT, MODE)       links + groups by name
      folder_splits(OUT) | read_split(FILE)
      audit_folds -> FoldAudit           per fold: test image, twin, chain
      audit_kept  -> KeepListAudit       kept pairs in one group
"""

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Dict, List

from ..duplicates import UnionFind
from .audit_duplicates import (
    SAME_FRAME,
    SAME_LESION,
    DuplicateSet,
    format_evidence,
)

__all__ = [
    'FIX_HINT',
    'FoldAudit',
    'KeepListAudit',
    'Leak',
    'audit_folds',
    'audit_kept',
    'folder_splits',
]

FIX_HINT = (
    'Fix: re-convert with the converter (tools/dataset_converters/busi.py '
    'or udiat.py RAW OUT --overwrite), whose folds keep every duplicate '
    'group in one fold, or use a leak-free split.'
)


@dataclass
class Leak:
    """An image and a duplicate of it on the other side of a split.

    Attributes:
        image (str): The test (or kept) image.
        twin (str): The training (or other kept) image of its group.
        chain (list[dict]): The fewest links from ``image`` to ``twin``
            (one when they are linked directly), with their evidence.
    """

    image: str
    twin: str
    chain: List[dict]

    @property
    def level(self) -> str:
        """``same_frame`` when every link of the chain is same-frame."""
        if all(link['level'] == SAME_FRAME for link in self.chain):
            return SAME_FRAME
        return SAME_LESION

    def format(self, sides: str) -> List[str]:
        """Lines for the log; ``sides`` names the two sides."""
        via = '' if len(self.chain) == 1 else f' via {len(self.chain)} links'
        lines = [f'{self.image} ~ {self.twin} ({sides}): {self.level}{via}']
        for link in self.chain:
            a, b = link['members']
            lines.append(
                f'    {a} ~ {b}: {link["level"]} [{format_evidence(link)}]'
            )
        return lines


def _twins(dups: DuplicateSet, image: str, others: set, group_of) -> list:
    k = group_of.get(image)
    if k is None:
        return []
    return [
        Leak(image, t, dups.chain(image, t))
        for t in dups.groups[k]
        if t != image and t in others
    ]


@dataclass
class FoldAudit:
    """Leaks of a cross-validation split.

    Attributes:
        source (str): The split audited (``splits/`` or a file).
        duplicates (DuplicateSet): The duplicates it was checked against.
        folds (dict[int, list[Leak]]): Fold -> its leaks.
    """

    source: str
    duplicates: DuplicateSet
    folds: Dict[int, List[Leak]]

    @property
    def leaking_images(self) -> int:
        """Test images with a twin in training, over all folds."""
        return sum(len({lk.image for lk in v}) for v in self.folds.values())

    def format(self) -> str:
        """The report for the log."""
        d = self.duplicates
        lines = [
            f'leak audit of {self.source} (duplicates: {d.origin}; '
            f'{len(d.groups)} group(s), {len(d.links)} link(s)):'
        ]
        for k, leaks in self.folds.items():
            n = len({lk.image for lk in leaks})
            lines.append(
                f'  fold {k}: '
                + (f'{n} test image(s) with a twin in training' if n else 'ok')
            )
            for lk in leaks:
                lines += ['    ' + s for s in lk.format('test ~ train')]
        if self.leaking_images:
            bad = sum(bool(v) for v in self.folds.values())
            lines.append(
                f'LEAK: {self.leaking_images} test image(s) in {bad} fold(s) '
                f'have a same-frame or same-lesion twin in training. '
                + FIX_HINT
            )
        return '\n'.join(lines)


def audit_folds(
    dups: DuplicateSet, folds: Dict[int, Dict[str, List[str]]], source: str
) -> FoldAudit:
    """Per fold, the test images with a group member in training.

    Args:
        dups (DuplicateSet): Duplicates of the folder.
        folds (dict): Fold -> ``{'train': [...], 'test': [...]}``.
        source (str): Name of the split, for the report.

    Returns:
        FoldAudit: The leaks per fold.
    """
    group_of = dups.group_of()
    out = {}
    for k, lists in sorted(folds.items()):
        train = set(lists['train'])
        out[k] = [
            lk
            for t in sorted(set(lists['test']))
            for lk in _twins(dups, t, train, group_of)
        ]
    return FoldAudit(source, dups, out)


@dataclass
class KeepListAudit:
    """Leaks of a keep-list (a subset of the data).

    Attributes:
        source (str): The keep-list file.
        duplicates (DuplicateSet): The duplicates it was checked against.
        kept (int): Images kept.
        in_group (int): Kept images that sit in a duplicate group.
        groups (int): Groups with a kept member.
        leaks (list[Leak]): Kept pairs of one group; direct links first.
    """

    source: str
    duplicates: DuplicateSet
    kept: int
    in_group: int
    groups: int
    leaks: List[Leak]

    def format(self) -> str:
        """The report for the log."""
        direct = [lk for lk in self.leaks if len(lk.chain) == 1]
        lines = [
            f'leak audit of the keep-list {self.source} (duplicates: '
            f'{self.duplicates.origin}): {self.kept} image(s) kept, '
            f'{self.in_group} of them in {self.groups} duplicate group(s); '
            f'{len(direct)} duplicate pair(s) with both members kept, '
            f'{len(self.leaks) - len(direct)} kept pair(s) linked only '
            f'through images the list drops'
        ]
        for lk in self.leaks:
            lines += ['    ' + s for s in lk.format('both kept')]
        if self.leaks:
            lines.append(
                f'LEAK: {len(self.leaks)} kept pair(s) share a group; any '
                f'split of this list that separates a pair leaks. Drop one '
                f'member of each pair, or split by group.'
            )
        return '\n'.join(lines)


def audit_kept(dups: DuplicateSet, kept: List[str], source: str):
    """The pairs of kept images that share a duplicate group.

    Args:
        dups (DuplicateSet): Duplicates of the folder.
        kept (list[str]): The kept images (prepared names).
        source (str): Name of the keep-list, for the report.

    Returns:
        KeepListAudit: Counts and leaking pairs.
    """
    keep = set(kept)
    leaks, in_group, groups = [], 0, 0
    for g in dups.groups:
        members = [m for m in g if m in keep]
        in_group += len(members)
        groups += bool(members)
        index = {m: i for i, m in enumerate(members)}
        uf = UnionFind(len(members))
        for link in dups.links:
            a, b = link['members']
            if a in index and b in index:
                uf.union(index[a], index[b])
                leaks.append(Leak(a, b, [link]))
        roots = sorted({uf.find(i) for i in range(len(members))})
        for ra, rb in combinations(roots, 2):
            a, b = members[ra], members[rb]
            leaks.append(Leak(a, b, dups.chain(a, b)))
    leaks.sort(key=lambda lk: (len(lk.chain) > 1, lk.image, lk.twin))
    return KeepListAudit(source, dups, len(keep), in_group, groups, leaks)


def folder_splits(root: Path) -> Dict[int, Dict[str, List[str]]]:
    """The folds listed in ``root/splits/`` (both lists present).

    Args:
        root (Path): A prepared folder.

    Returns:
        dict: Fold -> ``{'train': [...], 'test': [...]}``; folds missing a
        list are left out (the verify step names them).
    """
    out = {}
    for test in sorted(Path(root, 'splits').glob('fold_*_test.txt')):
        k = test.name[len('fold_') : -len('_test.txt')]
        train = test.with_name(f'fold_{k}_train.txt')
        if not k.isdigit() or not train.is_file():
            continue
        try:
            out[int(k)] = {
                s: [
                    ln.strip()
                    for ln in p.read_text('utf-8').splitlines()
                    if ln.strip()
                ]
                for s, p in (('train', train), ('test', test))
            }
        except (OSError, UnicodeDecodeError):
            continue  # named by the verify step
    return dict(sorted(out.items()))
