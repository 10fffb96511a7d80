"""The report a conversion logs and returns."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

__all__ = ['ConversionSummary']

# Merged-mask images listed in the log (all are in meta.json).
_MAX_LISTED = 20


@dataclass
class ConversionSummary:
    """What a conversion did, for the log and for tests.

    Attributes:
        source (str): ``'BUSI'`` or ``'UDIAT'``.
        out_dir (Path): The prepared folder.
        counts (dict[str, int]): Kept images per class name.
        fold_counts (list[dict[str, int]]): Test images per class, per fold.
        merged_masks (dict[str, list[str]]): Output image -> raw mask files
            merged into its mask (only images with more than one).
        duplicate_groups (list[dict]): Each with ``members`` (output
            names), ``labels``, ``kind`` (``'exact'`` / ``'near'``),
            ``max_distance`` (hash bits) and ``conflict`` (bool).
        closest_distinct (dict, optional): The most similar two images
            not grouped (``members``, ``distance`` in bits), to judge the
            threshold.
        excluded_conflicts (list[str]): Images left out because their
            duplicates carry another label.
        excluded (dict[str, int]): Images left out by an option, per reason.
        skipped (list[str]): Files not converted, each with the reason.
        normal_with_mask (list[str]): Normal images whose mask is not empty.
        seconds (float): Wall time of the conversion.
    """

    source: str
    out_dir: Path
    counts: Dict[str, int] = field(default_factory=dict)
    fold_counts: List[Dict[str, int]] = field(default_factory=list)
    merged_masks: Dict[str, List[str]] = field(default_factory=dict)
    duplicate_groups: List[dict] = field(default_factory=list)
    closest_distinct: Optional[dict] = None
    excluded_conflicts: List[str] = field(default_factory=list)
    excluded: Dict[str, int] = field(default_factory=dict)
    skipped: List[str] = field(default_factory=list)
    normal_with_mask: List[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def num_images(self) -> int:
        """Number of images in the prepared folder."""
        return sum(self.counts.values())

    @property
    def conflicts(self) -> List[dict]:
        """Duplicate groups whose members carry different labels."""
        return [g for g in self.duplicate_groups if g['conflict']]

    def format(self) -> str:
        """Multi-line human-readable summary."""
        counts = ', '.join(f'{k} {v}' for k, v in self.counts.items())
        lines = [
            f'{self.source} -> {self.out_dir}: {self.num_images} images '
            f'({counts}) in {self.seconds:.1f} s'
        ]
        for reason, n in self.excluded.items():
            lines.append(f'excluded {n} {reason} image(s) by option')
        lines.append(
            f'merged masks: {len(self.merged_masks)} image(s) '
            f'with several lesion masks (union)'
        )
        merged = list(self.merged_masks.items())
        for name, files in merged[:_MAX_LISTED]:
            lines.append(f'  {name} <- {" | ".join(files)}')
        if len(merged) > _MAX_LISTED:
            lines.append(
                f'  ... {len(merged) - _MAX_LISTED} more, listed in meta.json'
            )
        groups = self.duplicate_groups
        exact = sum(g['kind'] == 'exact' for g in groups)
        members = sum(len(g['members']) for g in groups)
        lines.append(
            f'duplicate groups: {len(groups)} ({exact} exact, '
            f'{len(groups) - exact} near; {members} images), each kept in '
            f'one fold'
        )
        for g in groups:
            tag = ' CONFLICT' if g['conflict'] else ''
            lines.append(
                f'  [{g["kind"]}, <= {g["max_distance"]} bits]'
                f'{tag} '
                + ', '.join(
                    f'{m} ({lab})' for m, lab in zip(g['members'], g['labels'])
                )
            )
        if self.closest_distinct is not None:
            a, b = self.closest_distinct['members']
            lines.append(
                f'closest pair not grouped: {a} ~ {b} at '
                f'{self.closest_distinct["distance"]} bits (raise '
                f'--dup-threshold above it to group such pairs)'
            )
        lines.append(
            f'conflicts: {len(self.conflicts)} group(s) with different '
            f'labels; '
            + (
                f'{len(self.excluded_conflicts)} image(s) excluded'
                if self.excluded_conflicts
                else 'kept (--keep-conflicts)'
                if self.conflicts
                else 'none'
            )
        )
        if self.normal_with_mask:
            lines.append(
                'normal images with a non-empty mask (kept as '
                'drawn): ' + ', '.join(self.normal_with_mask)
            )
        lines.append(f'skipped: {len(self.skipped)} file(s)')
        lines += [f'  {s}' for s in self.skipped]
        lines.append(
            'test images per fold: '
            + ' | '.join(
                f'{k}: ' + ', '.join(f'{c} {n}' for c, n in fc.items())
                for k, fc in enumerate(self.fold_counts)
            )
        )
        return '\n'.join(lines)
