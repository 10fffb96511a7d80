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
            names), ``labels``, ``conflict`` (bool), ``level``
            (``'same_frame'`` / ``'same_lesion'``) and ``links``: the pairs
            found, each with its evidence (``method``, ``inliers``,
            ``difference``, ``correlation``, ``scale``, ...; see
            :class:`~mmcosa.datasets.duplicates.PairEvidence`).
        closest_distinct (dict, optional): The two images with the closest
            dHashes left in different groups (``members``, ``distance`` in
            bits).
        closest_rejected (dict, optional): ``'full'`` mode: the checked
            pair that came closest to a link without being one, with its
            evidence, to judge the thresholds.
        dedup (dict): ``mode``, ``candidates`` (pairs checked) and
            ``seconds`` of the duplicate search.
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
    closest_rejected: Optional[dict] = None
    dedup: Dict[str, object] = field(default_factory=dict)
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

    def _duplicate_lines(self) -> List[str]:
        groups = self.duplicate_groups
        mode = self.dedup.get('mode', 'full')
        if mode == 'none':
            return [
                'duplicates: not searched (--dedup none); folds may put '
                'copies of one frame in training and test'
            ]
        frame = sum(g['level'] == 'same_frame' for g in groups)
        members = sum(len(g['members']) for g in groups)
        lines = [
            f'duplicates ({mode} search, {self.dedup.get("candidates", 0)} '
            f'pair(s) checked in {self.dedup.get("seconds", 0)} s): '
            f'{len(groups)} group(s) ({frame} same frame, '
            f'{len(groups) - frame} same lesion; {members} images), each '
            f'kept in one fold'
        ]
        for g in groups:
            tag = ' CONFLICT' if g['conflict'] else ''
            lines.append(
                f'  [{g["level"].replace("_", " ")}]{tag} '
                + ', '.join(
                    f'{m} ({lab})' for m, lab in zip(g['members'], g['labels'])
                )
            )
            lines += [f'      {_link_text(k)}' for k in g['links']]
        if self.closest_rejected is not None:
            lines.append(
                'closest pair checked and not grouped: '
                + _link_text(self.closest_rejected)
            )
        if self.closest_distinct is not None:
            a, b = self.closest_distinct['members']
            lines.append(
                f'closest dHashes not grouped: {a} ~ {b} at '
                f'{self.closest_distinct["distance"]} bits'
            )
        return lines

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
        lines += self._duplicate_lines()
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


def _link_text(link: dict) -> str:
    """One line of evidence for a pair of images."""
    a, b = link['members']
    method = link.get('method', '')
    if method == 'dhash':
        return f'{a} ~ {b}: dHash {link["hash_distance"]} bits apart'
    if method == 'identical':
        return f'{a} ~ {b}: identical pixels'
    level = (link.get('level') or 'not a duplicate').replace('_', ' ')
    return (
        f'{a} ~ {b}: {level} ({method}; {link["inliers"]} inliers, '
        f'scale {link["scale"]:.2f}, grey difference '
        f'{link["difference"]:.1f} / {link["offset_difference"]:.1f} '
        f'offset-free, correlation {link["correlation"]:.3f})'
    )
