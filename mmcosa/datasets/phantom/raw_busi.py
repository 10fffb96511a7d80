"""Write phantom cases in the layout of the downloaded BUSI data set.

``OUT/Dataset_BUSI_with_GT/{benign,malignant,normal}/`` with
``benign (1).png`` and ``benign (1)_mask.png``, reproducing the quirks of
the real files (docs/en/dataset_prepare.md): extra lesion masks ``_mask_1`` /
``_mask_2``, masks stored as 1-bit, 8-bit grey, RGB and RGBA (values
0/255), RGB images of many sizes, burnt-in calipers and text on about a
third of them (unrelated images sharing one text at one place among them),
empty masks for normal images, and the duplicate kinds of the real
download (:mod:`.busi_kinds`), each with its true transform in the
manifest: one image byte-identical across benign and malignant, the older
near duplicates (re-encoded, resized, brightness-changed), re-crops,
0.83x / 1.2x copies, sector views and their crops, 1.3x zooms, copies with
added marks, cross-class re-crops and adjacent frames of one sweep.

Files are numbered per class folder: the rendered cases first, then the
older near duplicates, the new kinds and, last, the byte copy.
"""

import shutil
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image

from ..metainfo import CLASS_NAMES, CLS_CLASSES
from .busi_kinds import (
    SAME_FRAME_KINDS,
    Frame,
    SizeRange,
    adjacent_frames,
    draw_size,
    legacy_copy,
    same_frame_copy,
    sector_pair,
)
from .busi_truth import duplicate_truth
from .copies import identity
from .generator import render_case
from .marks import (
    MIN_APART,
    TEXT_SLOTS,
    BodyMarkPlacer,
    add_calipers,
    add_text,
    random_marks,
)
from .realism import aligned_difference

__all__ = [
    'BUSI_DIR',
    'busi_class_counts',
    'busi_kind_counts',
    'write_busi_raw',
]

BUSI_DIR = 'Dataset_BUSI_with_GT'
MASK_MODES = ('L', '1', 'RGB', 'RGBA')
STREAM_BUSI = 1
# near-duplicate copies: (class, kind); the source is a case of that class
NEAR_DUPLICATES = (
    ('benign', 'reencoded'),
    ('benign', 'resized'),
    ('benign', 'brightness'),
    ('malignant', 'resized'),
)
TRAP_TEXTS = ('LEFT BREAST', 'RT AXILLA', 'RIGHT BREAST', 'LT AXILLA')
# cases with calipers or text; with the copies and sector views about 38 %
# of all images, as in BUSI (295 / 780)
MARKED = 0.33
PNG = dict(compress_level=1)  # 5x faster than the default, same pixels
# sub-streams of the writer's random numbers
PLAN, MARKS, COPIES, SECTORS, SWEEPS = 10, 11, 12, 13, 14
IDENTITY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))


def busi_class_counts(num: int) -> Dict[str, int]:
    """Rendered cases per class for ``num`` cases (BUSI's proportions)."""
    normal = max(1, round(num * 133 / 780))
    malignant = max(2, round(num * 210 / 780))
    return dict(
        benign=num - normal - malignant, malignant=malignant, normal=normal
    )


def busi_kind_counts(num: int) -> Dict[str, int]:
    """Pairs per new duplicate kind, and text-trap sets, for ``num``.

    At least 2 of each; BUSI's 160 same-frame pairs among 780 images are
    about 1 per 30 images for each of the 6 kinds, its 36 adjacent-frame
    pairs about 1 per 22.
    """
    n = max(2, round(num / 30))
    counts = {k: n for k in (*SAME_FRAME_KINDS, 'sector_crop', 'traps')}
    counts['adjacent'] = max(2, round(num * 36 / 780))
    return counts


def _save_mask(path: Path, mask: np.ndarray, mode: str) -> None:
    img = Image.fromarray(mask.astype(np.uint8) * 255, 'L')
    img.convert(mode).save(path, **PNG)


class _Folders:
    """Frames per class folder, the names they will get, and the pairs."""

    def __init__(self) -> None:
        self.frames: Dict[str, List[Tuple[Frame, str, str]]] = {
            c: [] for c in CLASS_NAMES
        }
        self.pairs: List[Dict] = []

    def add(self, cls: str, frame: Frame, kind: str, source=None) -> str:
        self.frames[cls].append((frame, kind, source))
        n = len(self.frames[cls])
        return f'{cls}/{cls} ({n}).png'

    def pair(self, a: str, b: str, kind: str, transform) -> None:
        level = 'same_lesion' if kind == 'adjacent' else 'same_frame'
        self.pairs.append(
            dict(a=a, b=b, kind=kind, level=level, transform=transform)
        )


def _render_cases(
    num: int, seed: int, size_range: SizeRange, p_atypical: float
) -> Dict[str, List[Frame]]:
    """The rendered cases, without overlays (as before the new kinds)."""
    counts = busi_class_counts(num)
    cases = {}
    n_tumour = 0
    for label, cls in enumerate(CLASS_NAMES):
        cases[cls] = []
        for i in range(1, counts[cls] + 1):
            rng = np.random.default_rng([seed, STREAM_BUSI, label, i])
            hw = draw_size(rng, size_range)
            n_les = 1
            if cls != 'normal':  # a few cases with _mask_1 (and _mask_2)
                n_les = 3 if n_tumour == 1 else 2 if n_tumour % 8 == 4 else 1
                n_tumour += 1
            img, masks, _ = render_case(rng, cls, hw, n_les, p_atypical)
            masks = masks or [np.zeros(hw, np.uint8)]
            cases[cls].append(Frame(img, masks, np.zeros(hw, bool)))
    return cases


def _plan(
    cases: Dict[str, List[Frame]], kinds: Dict[str, int], seed: int
) -> Dict[str, List[Tuple[str, int]]]:
    """Source cases of the same-frame kinds and members of the traps.

    Sources differ while the cases last (then groups of three appear);
    the byte copy's and the older near duplicates' sources are not used.
    """
    rng = np.random.default_rng([seed, STREAM_BUSI, PLAN])
    counts = {c: len(f) for c, f in cases.items()}
    reserved = {('benign', 0)} | {
        (cls, (2 * j + 1) % counts[cls])
        for j, (cls, _) in enumerate(NEAR_DUPLICATES)
    }
    pool = [(c, i) for c in CLASS_NAMES for i in range(counts[c])]
    pool = [pool[k] for k in rng.permutation(len(pool))]
    pool = [s for s in pool if s not in reserved] or pool
    used: List[Tuple[str, int]] = []

    def take(ok=lambda s: True) -> Tuple[str, int]:
        fresh = [s for s in pool if s not in used and ok(s)]
        src = (fresh or [s for s in pool if ok(s)])[0]
        used.append(src)
        return src

    plan = {'cross_class': []}
    for k in range(kinds['cross_class']):
        cls = CLS_CLASSES[k % 2]
        plan['cross_class'].append(take(lambda s, c=cls: s[0] == c))
    for kind in ('zoom', 'resize', 'recrop', 'marks'):
        # the first copy of each kind shows a lesion (masks to transform)
        plan[kind] = [take(lambda s: s[0] != 'normal')]
        plan[kind] += [take() for _ in range(kinds[kind] - 1)]
    # trap members: distinct cases (so unrelated), unmarked sources spared
    spare = [s for s in pool if s not in plan['marks']]
    spare = [s for s in spare if s not in used] + [
        s for s in spare if s in used
    ]
    per_set = 3 if len(spare) >= 3 * kinds['traps'] else 2
    plan['traps'] = _trap_sets(spare, cases, kinds['traps'], per_set)
    # random marks on other cases, for MARKED of the cases in all
    n_cases = sum(counts.values())
    n_trapped = sum(map(len, plan['traps']))
    n_marked = max(0, round(MARKED * n_cases) - n_trapped)
    taken = set(plan['marks']).union(*plan['traps'])
    others = [
        (c, i)
        for c in CLASS_NAMES
        for i in range(counts[c])
        if (c, i) not in taken
    ]
    plan['marked'] = [others[k] for k in rng.permutation(len(others))][
        :n_marked
    ]
    return plan


def _trap_sets(
    spare: List[Tuple[str, int]],
    cases: Dict[str, List[Frame]],
    n_sets: int,
    per_set: int,
) -> List[List[Tuple[str, int]]]:
    """Sets of cases, in ``spare``'s order, differing pairwise by at least
    :data:`~.marks.MIN_APART` grey levels (as unrelated BUSI images do)."""

    def apart(s: Tuple[str, int], t: Tuple[str, int]) -> bool:
        a, b = cases[s[0]][s[1]].img, cases[t[0]][t[1]].img
        return aligned_difference(a, b, IDENTITY)[0] >= MIN_APART

    sets, left = [], list(spare)
    for _ in range(n_sets):
        members = []
        for s in list(left):
            if len(members) < per_set and all(apart(s, t) for t in members):
                members.append(s)
                left.remove(s)
        sets.append(members)
    return sets


def _burn_marks(
    cases: Dict[str, List[Frame]], plan: Dict, seed: int
) -> BodyMarkPlacer:
    """Trap texts, then random marks on other cases (in place).

    Returns:
        BodyMarkPlacer: Who holds which body-mark text, to place the
        texts of the images still to come.
    """
    rng = np.random.default_rng([seed, STREAM_BUSI, MARKS])
    placer = BodyMarkPlacer(rng)
    org, scale = TEXT_SLOTS[0]
    for k, members in enumerate(plan['traps']):
        text = TRAP_TEXTS[k % len(TRAP_TEXTS)]
        for cls, i in members:
            frame = cases[cls][i]
            placer.hold((text, org, scale), frame.img)
            frame.mark(lambda img, t=text: [add_text(img, t, org, scale)])
            if frame.masks[0].any() and rng.random() < 0.5:
                frame.mark(add_calipers, frame.masks[0], rng)
    for label, cls in enumerate(CLASS_NAMES):
        for i, frame in enumerate(cases[cls]):
            if (cls, i) in plan['marked']:
                rng = np.random.default_rng(
                    [seed, STREAM_BUSI, MARKS, label, i]
                )
                frame.mark(random_marks, frame.masks, rng, 0.8, 0.6, placer)
    return placer


def write_busi_raw(
    root: Path,
    num: int = 60,
    seed: int = 0,
    size_range: SizeRange = ((190, 300), (240, 360)),
    p_atypical: float = 0.15,
) -> Dict:
    """Write a BUSI-layout folder into ``root`` (which must exist).

    Args:
        root (Path): Existing empty folder.
        num (int): Number of rendered cases (>= 10); the duplicates come on
            top.
        seed (int): Seed.
        size_range (tuple): ``((h_min, h_max), (w_min, w_max))`` of images.
        p_atypical (float): Probability of an atypical lesion.

    Returns:
        dict: Manifest, image paths relative to ``root``: ``root`` (the
        ``Dataset_BUSI_with_GT`` folder to give the converter),
        ``rendered`` (cases per class), ``counts`` (image files per class
        folder), ``files`` (one dict per image: ``path``, ``label``,
        ``masks``, ``mask_modes``, ``size``, ``kind``, ``source``),
        ``duplicate_pairs`` (``a``, ``b``, ``kind``, ``level``,
        ``transform``: 2x3 matrix mapping ``b``'s pixels to ``a``'s),
        ``exact_duplicates``, ``near_duplicates`` and ``conflicts`` (groups
        of paths, see :func:`~.busi_truth.duplicate_truth`),
        ``text_traps`` (unrelated images sharing one text at one place)
        and ``marked`` (images with calipers or text).
    """
    cases = _render_cases(num, seed, size_range, p_atypical)
    kinds = busi_kind_counts(num)
    plan = _plan(cases, kinds, seed)
    placer = _burn_marks(cases, plan, seed)
    out = _Folders()
    path_of = {
        (cls, i): out.add(cls, frame, 'case')
        for cls in CLASS_NAMES
        for i, frame in enumerate(cases[cls])
    }
    for j, (cls, kind) in enumerate(NEAR_DUPLICATES):
        src = (cls, (2 * j + 1) % len(cases[cls]))
        rng = np.random.default_rng([seed, STREAM_BUSI, 9, j])
        copy, transform = legacy_copy(kind, cases[cls][src[1]], rng)
        a = path_of[src]
        b = out.add(cls, copy, f'near-duplicate ({kind})', a)
        out.pair(a, b, kind, transform)
    for n, kind in enumerate(SAME_FRAME_KINDS):
        for k, (cls, i) in enumerate(plan[kind]):
            rng = np.random.default_rng([seed, STREAM_BUSI, COPIES, n, k])
            copy, transform = same_frame_copy(
                kind, cases[cls][i], rng, k, placer
            )
            dest = cls
            if kind == 'cross_class':  # filed in the other class
                dest = 'malignant' if cls == 'benign' else 'benign'
            a = path_of[(cls, i)]
            b = out.add(dest, copy, f'duplicate ({kind})', a)
            out.pair(a, b, kind, transform)
    for k in range(kinds['sector_crop']):
        cls = CLS_CLASSES[k % 2]
        rng = np.random.default_rng([seed, STREAM_BUSI, SECTORS, k])
        sector, crop, transform = sector_pair(
            rng, cls, size_range, p_atypical, placer
        )
        a = out.add(cls, sector, 'sector view')
        b = out.add(cls, crop, 'duplicate (sector_crop)', a)
        out.pair(a, b, 'sector_crop', transform)
    for k in range(kinds['adjacent']):
        cls = CLS_CLASSES[k % 2]
        rng = np.random.default_rng([seed, STREAM_BUSI, SWEEPS, k])
        frame_a, frame_b, transform = adjacent_frames(
            rng, cls, size_range, p_atypical
        )
        for frame in (frame_a, frame_b):
            if rng.random() < MARKED:
                frame.mark(random_marks, frame.masks, rng, 0.8, 0.6, placer)
        a = out.add(cls, frame_a, 'sweep frame')
        b = out.add(cls, frame_b, 'duplicate (adjacent)', a)
        out.pair(a, b, 'adjacent', transform)
    exact_src = path_of[('benign', 0)]
    exact = out.add('malignant', cases['benign'][0], 'exact duplicate')
    out.pair(exact_src, exact, 'exact', identity())
    return _write(Path(root) / BUSI_DIR, out, exact_src, num)


def _write(base: Path, out: _Folders, exact_src: str, num: int) -> Dict:
    """Write the frames, then the byte copy; return the manifest."""
    files, texts, n_mask = [], {}, 0
    for label, cls in enumerate(CLASS_NAMES):
        (base / cls).mkdir(parents=True)
        for i, (frame, kind, source) in enumerate(out.frames[cls], 1):
            name = f'{cls} ({i})'
            path = f'{cls}/{name}.png'
            suffixes = ['_mask'] + [f'_mask_{j}' for j in range(1, 3)]
            masks = [
                f'{cls}/{name}{suffixes[j]}.png'
                for j in range(len(frame.masks))
            ]
            if kind == 'exact duplicate':  # byte for byte
                src = next(f for f in files if f['path'] == exact_src)
                shutil.copyfile(base / exact_src, base / path)
                for m_src, m_dst in zip(src['masks'], masks):
                    shutil.copyfile(base / m_src, base / m_dst)
                modes = src['mask_modes']
                source = exact_src
            else:
                rgb = Image.fromarray(frame.img).convert('RGB')
                rgb.save(base / path, **PNG)
                modes = []
                for m, m_path in zip(frame.masks, masks):
                    modes.append(MASK_MODES[n_mask % len(MASK_MODES)])
                    n_mask += 1
                    _save_mask(base / m_path, m, modes[-1])
                texts[path] = frame.texts
            files.append(
                dict(
                    path=path,
                    label=label,
                    masks=masks,
                    mask_modes=modes,
                    size=frame.img.shape[:2],
                    kind=kind,
                    source=source,
                    marked=bool(frame.overlay.any()),
                )
            )
    labels = {f['path']: f['label'] for f in files}
    return dict(
        root=str(base),
        layout='busi',
        rendered=busi_class_counts(num),
        counts={c: len(out.frames[c]) for c in CLASS_NAMES},
        files=files,
        duplicate_pairs=out.pairs,
        **duplicate_truth(out.pairs, labels, texts),
        marked=[f['path'] for f in files if f['marked']],
    )
