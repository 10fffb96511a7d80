"""Write phantom cases in the layout of the downloaded BUSI data set.

``OUT/Dataset_BUSI_with_GT/{benign,malignant,normal}/`` with
``benign (1).png`` and ``benign (1)_mask.png``, reproducing the quirks of
the real files (SPEC section 5): extra lesion masks ``_mask_1`` /
``_mask_2``, masks stored as 1-bit, 8-bit grey, RGB and RGBA (values
0/255), RGB images of many sizes with burnt-in caliper marks, empty masks
for normal images, one image byte-identical across benign and malignant,
and near-duplicates (re-encoded, resized, brightness-changed copies).
"""

import shutil
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np
from PIL import Image

from .generator import CLASS_NAMES, render_case

__all__ = ['BUSI_DIR', 'write_busi_raw']

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


def busi_class_counts(num: int) -> Dict[str, int]:
    """Rendered cases per class for ``num`` cases (BUSI's proportions)."""
    normal = max(1, round(num * 133 / 780))
    malignant = max(2, round(num * 210 / 780))
    return dict(
        benign=num - normal - malignant, malignant=malignant, normal=normal
    )


def _save_mask(path: Path, mask: np.ndarray, mode: str) -> None:
    img = Image.fromarray(mask.astype(np.uint8) * 255, 'L')
    img.convert(mode).save(path)


def _add_calipers(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Burn '+' caliper marks at the horizontal ends of a lesion."""
    ys, xs = np.nonzero(mask)
    out = img.copy()
    for i in (np.argmin(xs), np.argmax(xs)):
        x, y = int(xs[i]), int(ys[i])
        cv2.line(out, (x - 3, y), (x + 3, y), 255, 1)
        cv2.line(out, (x, y - 3), (x, y + 3), 255, 1)
    return out


def _near_duplicate(
    img: np.ndarray,
    masks: List[np.ndarray],
    kind: str,
    rng: np.random.Generator,
):
    if kind == 'reencoded':  # lossy round trip: a few grey levels change
        _, buf = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 92])
        return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE), masks
    if kind == 'resized':
        f = rng.uniform(0.9, 0.97)
        h, w = img.shape
        size = (max(8, round(w * f)), max(8, round(h * f)))
        return (
            cv2.resize(img, size, interpolation=cv2.INTER_AREA),
            [
                cv2.resize(m, size, interpolation=cv2.INTER_NEAREST)
                for m in masks
            ],
        )
    shift = rng.choice([-1, 1]) * rng.uniform(8, 16)
    return np.clip(img.astype(np.float32) + shift, 0, 255).astype(
        np.uint8
    ), masks


def write_busi_raw(
    root: Path,
    num: int = 60,
    seed: int = 0,
    size_range: Tuple[Tuple[int, int], Tuple[int, int]] = (
        (190, 300),
        (240, 360),
    ),
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
        dict: Manifest: ``root`` (the ``Dataset_BUSI_with_GT`` folder to
        give the converter), ``counts`` (image files per class folder),
        ``files`` (one dict per image: ``path``, ``label``, ``masks``,
        ``mask_modes``, ``size``, ``kind``, ``source``),
        ``exact_duplicates`` and ``near_duplicates`` (groups of image paths
        relative to ``root``), ``conflicts`` (exact duplicates whose labels
        differ).
    """
    base = Path(root) / BUSI_DIR
    counts = busi_class_counts(num)
    entries = {c: [] for c in CLASS_NAMES}
    n_tumour = 0
    for label, cls in enumerate(CLASS_NAMES):
        for i in range(1, counts[cls] + 1):
            rng = np.random.default_rng([seed, STREAM_BUSI, label, i])
            hw = (
                int(rng.integers(*size_range[0], endpoint=True)),
                int(rng.integers(*size_range[1], endpoint=True)),
            )
            n_les = 1
            if cls != 'normal':  # a few cases with _mask_1 (and _mask_2)
                n_les = 3 if n_tumour == 1 else 2 if n_tumour % 8 == 4 else 1
                n_tumour += 1
            img, masks, _ = render_case(rng, cls, hw, n_les, p_atypical)
            if cls != 'normal' and rng.random() < 0.5:
                img = _add_calipers(img, masks[0])
            entries[cls].append(
                dict(
                    img=img,
                    masks=masks or [np.zeros(hw, np.uint8)],
                    kind='case',
                    source=None,
                )
            )
    for j, (cls, kind) in enumerate(NEAR_DUPLICATES):
        src = (2 * j + 1) % counts[cls]
        rng = np.random.default_rng([seed, STREAM_BUSI, 9, j])
        img, masks = _near_duplicate(
            entries[cls][src]['img'], entries[cls][src]['masks'], kind, rng
        )
        entries[cls].append(
            dict(
                img=img,
                masks=masks,
                kind=f'near-duplicate ({kind})',
                source=f'{cls}/{cls} ({src + 1}).png',
            )
        )
    files, n_mask = [], 0
    for cls in CLASS_NAMES:
        (base / cls).mkdir(parents=True)
        for i, entry in enumerate(entries[cls], 1):
            name = f'{cls} ({i})'
            img = entry['img']
            Image.fromarray(img).convert('RGB').save(
                base / cls / f'{name}.png'
            )
            mask_paths, modes = [], []
            for j, m in enumerate(entry['masks']):
                mode = MASK_MODES[n_mask % len(MASK_MODES)]
                n_mask += 1
                suffix = '_mask' if j == 0 else f'_mask_{j}'
                mask_paths.append(f'{cls}/{name}{suffix}.png')
                _save_mask(base / mask_paths[-1], m, mode)
                modes.append(mode)
            files.append(
                dict(
                    path=f'{cls}/{name}.png',
                    label=CLASS_NAMES.index(cls),
                    masks=mask_paths,
                    mask_modes=modes,
                    size=img.shape[:2],
                    kind=entry['kind'],
                    source=entry['source'],
                )
            )
    return _add_exact_duplicate(base, files, counts)


def _add_exact_duplicate(
    base: Path, files: List[Dict], counts: Dict[str, int]
) -> Dict:
    """Copy one benign case byte for byte into the malignant folder."""
    src = next(
        f
        for f in files
        if f['path'].startswith('benign/') and f['kind'] == 'case'
    )
    n_mal = sum(f['path'].startswith('malignant/') for f in files)
    name = f'malignant ({n_mal + 1})'
    shutil.copyfile(base / src['path'], base / f'malignant/{name}.png')
    masks = []
    for j, m in enumerate(src['masks']):
        suffix = '_mask' if j == 0 else f'_mask_{j}'
        masks.append(f'malignant/{name}{suffix}.png')
        shutil.copyfile(base / m, base / masks[-1])
    files.append(
        dict(
            src,
            path=f'malignant/{name}.png',
            label=1,
            masks=masks,
            kind='exact duplicate',
            source=src['path'],
        )
    )
    near = {}
    for f in files:
        if f['kind'].startswith('near'):
            near.setdefault(f['source'], [f['source']]).append(f['path'])
    return dict(
        root=str(base),
        layout='busi',
        rendered=counts,
        counts={
            c: sum(f['path'].startswith(f'{c}/') for f in files)
            for c in CLASS_NAMES
        },
        files=files,
        exact_duplicates=[[src['path'], f'malignant/{name}.png']],
        near_duplicates=list(near.values()),
        conflicts=[[src['path'], f'malignant/{name}.png']],
    )
