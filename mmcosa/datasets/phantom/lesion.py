"""Lesions of the phantom, following the BI-RADS ultrasound lexicon.

Benign-looking: oval or round, circumscribed, parallel (wider than tall),
optional thin echogenic capsule, posterior enhancement (cysts: anechoic,
strong enhancement, lateral edge shadows). Malignant-looking: irregular
(angular, microlobulated), not circumscribed (indistinct, spiculated, with an
echogenic halo), often not parallel (taller than wide), heterogeneous,
posterior shadowing, optional microcalcifications.

Each lesion has four feature groups (:data:`FEATURES`); a typical lesion
shows all features of its class, an atypical one (a circumscribed carcinoma,
an irregular shadowing fibrosis) has some of them flipped. Lesion size and
depth are drawn from the same distribution for both classes, so the class
lies in the lesion's appearance, not in how much of the image it covers.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .anatomy import F32, TissueMaps, lowfreq_noise

__all__ = ['FEATURES', 'Lesion', 'add_lesion', 'lesion_look', 'make_lesion']

FEATURES = ('shape', 'margin', 'echo', 'posterior')


@dataclass
class Lesion:
    """Geometry of one lesion.

    Attributes:
        mask (np.ndarray): Binary mask ``(H, W)``, uint8 {0, 1}.
        look (dict): Feature group -> True when it looks malignant.
        center (tuple): ``(x, z)`` centre in pixels.
        spicules (list): ``(p0, p1)`` end points of spicules, float arrays.
    """

    mask: np.ndarray
    look: Dict[str, bool]
    center: Tuple[float, float]
    spicules: List[Tuple[np.ndarray, np.ndarray]] = field(default_factory=list)


def lesion_look(
    rng: np.random.Generator, malignant: bool, p_atypical: float
) -> Dict[str, bool]:
    """Which feature groups of a lesion look malignant.

    Args:
        rng (np.random.Generator): Random source.
        malignant (bool): Class of the lesion.
        p_atypical (float): Probability that a random non-empty subset of
            the feature groups is flipped to the other class.

    Returns:
        dict: ``{feature: looks_malignant}`` for :data:`FEATURES`.
    """
    look = {f: malignant for f in FEATURES}
    if rng.random() < p_atypical:
        flip = rng.random(len(FEATURES)) < 0.5
        if not flip.any():
            flip[rng.integers(len(FEATURES))] = True
        for f, fl in zip(FEATURES, flip):
            look[f] = look[f] ^ bool(fl)
    return look


def _polar_radius(
    rng: np.random.Generator, irregular: bool, n: int = 360
) -> Tuple[np.ndarray, np.ndarray]:
    """Radius multiplier ``r(theta)`` of an outline, mean about 1."""
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    if not irregular:  # oval, possibly 2-3 gentle macro-lobulations
        for k in (2, 3):
            r += rng.uniform(0, 0.06) * np.cos(
                k * th + rng.uniform(0, 2 * np.pi)
            )
        if rng.random() < 0.3:
            k = rng.integers(2, 4)
            r += rng.uniform(0.05, 0.12) * np.abs(
                np.cos(k * th / 2 + rng.uniform(0, np.pi))
            )
        return th, np.maximum(r, 0.3)
    for k in range(2, 9):  # irregular
        r += (
            rng.uniform(0.02, 0.14)
            / (1 + 0.25 * (k - 2))
            * np.cos(k * th + rng.uniform(0, 2 * np.pi))
        )
    if rng.random() < 0.6:  # microlobulated
        k = rng.integers(10, 22)
        r += rng.uniform(0.02, 0.06) * np.cos(
            k * th + rng.uniform(0, 2 * np.pi)
        )
    if rng.random() < 0.5:  # angular: a few corners
        for _ in range(rng.integers(2, 5)):
            d = np.angle(np.exp(1j * (th - rng.uniform(0, 2 * np.pi))))
            r += rng.uniform(0.08, 0.2) * np.maximum(0, 1 - np.abs(d) / 0.35)
    return th, np.maximum(r, 0.3)


def make_lesion(
    rng: np.random.Generator,
    shape: Tuple[int, int],
    look: Dict[str, bool],
    depth_range: Tuple[float, float],
    avoid: Optional[np.ndarray] = None,
    scale: float = 1.0,
) -> Lesion:
    """Draw a lesion outline and rasterise it.

    Args:
        rng (np.random.Generator): Random source.
        shape (tuple): ``(H, W)``.
        look (dict): Feature looks from :func:`lesion_look`.
        depth_range (tuple): Range of the centre depth as fractions of H.
        avoid (np.ndarray, optional): ``(H, W)`` mask where the centre must
            not fall (other lesions).
        scale (float): Size multiplier.

    Returns:
        Lesion: The lesion with its binary mask.
    """
    h, w = shape
    th, r = _polar_radius(rng, look['shape'])
    size = rng.uniform(0.08, 0.17) * w * scale
    if not look['shape']:
        aspect = rng.uniform(1.25, 2.2)  # width / height: wider than tall
        rot = np.deg2rad(rng.uniform(-12, 12))  # parallel to the skin
    else:
        # mostly taller than wide (not parallel)
        aspect = (
            rng.uniform(0.6, 0.95)
            if rng.random() < 0.6
            else rng.uniform(0.95, 1.5)
        )
        rot = np.deg2rad(rng.uniform(-35, 35))
    a, b = size * np.sqrt(aspect), size / np.sqrt(aspect)
    for _ in range(20):
        cx = rng.uniform(0.25, 0.75) * w
        cz = rng.uniform(*depth_range) * h
        if (
            avoid is None
            or not avoid[
                int(np.clip(cz, 0, h - 1)), int(np.clip(cx, 0, w - 1))
            ]
        ):
            break
    x, z = a * r * np.cos(th), b * r * np.sin(th)
    pts = np.stack(
        [
            cx + x * np.cos(rot) - z * np.sin(rot),
            cz + x * np.sin(rot) + z * np.cos(rot),
        ],
        1,
    )
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(
        mask,
        [np.round(pts * 16).astype(np.int32)],
        1,
        lineType=cv2.LINE_8,
        shift=4,
    )
    spicules = []
    if look['margin'] and rng.random() < 0.6:  # radial lines from the surface
        for _ in range(rng.integers(5, 16)):
            p0 = pts[rng.integers(len(th))]
            d = p0 - [cx, cz]
            d = d / (np.linalg.norm(d) + 1e-6)
            ang = rng.normal(0, 0.15)
            d = np.array(
                [
                    d[0] * np.cos(ang) - d[1] * np.sin(ang),
                    d[0] * np.sin(ang) + d[1] * np.cos(ang),
                ]
            )
            length = rng.uniform(0.3, 0.9) * size
            spicules.append((p0 - d * 2, p0 + d * length))
    return Lesion(mask=mask, look=look, center=(cx, cz), spicules=spicules)


def _line(img: np.ndarray, p0: np.ndarray, p1: np.ndarray) -> None:
    cv2.line(
        img,
        tuple(int(v) for v in np.round(p0 * 16)),
        tuple(int(v) for v in np.round(p1 * 16)),
        1.0,
        1,
        cv2.LINE_AA,
        shift=4,
    )


def _spicule_echoes(
    maps: TissueMaps, rng: np.random.Generator, spicules: list
) -> None:
    """Alternating hypo- and hyperechoic lines radiating from the surface."""
    hypo = np.zeros(maps.db.shape, F32)
    hyper = np.zeros(maps.db.shape, F32)
    for p0, p1 in spicules:
        _line(hypo, p0, p1)
        off = np.array([p1[1] - p0[1], p0[0] - p1[0]])
        off = off / (np.linalg.norm(off) + 1e-6) * 1.5
        for sgn in (-1, 1):
            _line(hyper, p0 + sgn * off, p1 + sgn * off)
    hyper *= 1 - hypo
    maps.db -= cv2.GaussianBlur(hypo, (0, 0), 0.6) * rng.uniform(8, 14)
    maps.db += cv2.GaussianBlur(hyper, (0, 0), 0.6) * rng.uniform(4, 8)


def add_lesion(
    maps: TissueMaps,
    rng: np.random.Generator,
    lesion: Lesion,
    cyst: bool = False,
    normal: bool = False,
) -> None:
    """Paint one lesion (or a normal hypoechoic structure) into the maps.

    Args:
        maps (TissueMaps): Maps modified in place.
        rng (np.random.Generator): Random source.
        lesion (Lesion): The lesion from :func:`make_lesion`.
        cyst (bool): Simple cyst: anechoic, no attenuation.
        normal (bool): A normal structure (duct, fat lobule) instead of a
            lesion: mildly hypoechoic, blurred, no lesion features.
    """
    look, mask = lesion.look, lesion.mask
    h, w = mask.shape
    m = mask.astype(F32)
    rows = np.nonzero(mask.any(1))[0]
    lh = max(4, rows.max() - rows.min() + 1) if len(rows) else 4
    if normal:
        l_db = rng.uniform(-14, -8)
        l_alpha = 0.1
        blur = rng.uniform(1.5, 3.0)
    elif cyst:
        l_db = rng.uniform(-40, -32)
        l_alpha = rng.uniform(0.0, 0.02)
        blur = rng.uniform(0.4, 0.8)
    else:
        if look['echo']:  # markedly hypoechoic, heterogeneous
            l_db = rng.uniform(-26, -17) + rng.uniform(2.5, 5) * lowfreq_noise(
                rng, (h, w), rng.uniform(1.5, 4)
            )
        else:  # hypoechoic, fairly homogeneous
            l_db = rng.uniform(-22, -13) + 1.5 * lowfreq_noise(rng, (h, w), 3)
        if look['posterior']:  # shadowing: extra round-trip loss in dB
            shadow = (
                rng.uniform(6, 16)
                if rng.random() < 0.75
                else rng.uniform(0, 4)
            )
            l_alpha = 0.11 + shadow / (2 * lh) * (h / 256)
        else:  # no posterior feature or enhancement
            l_alpha = rng.uniform(0.03, 0.10)
        blur = (
            rng.uniform(1.2, 3.0) if look['margin'] else rng.uniform(0.5, 1.0)
        )
    shadowing = not normal and not cyst and look['posterior']
    ms = cv2.GaussianBlur(m, (0, 0), blur)
    maps.db[:] = maps.db * (1 - ms) + l_db * ms
    maps.spec *= 1 - ms  # no ligament or fascia echoes inside the mass

    # column-wise streaky attenuation inside the lesion (shadow texture)
    streak = np.clip(
        1 + (0.4 if shadowing else 0.1) * lowfreq_noise(rng, (1, w), 1, 2.5),
        0.1,
        None,
    )
    if shadowing:  # modulate only the excess over the background
        l_alpha = 0.11 + (l_alpha - 0.11) * streak
    else:
        l_alpha = l_alpha * streak
    maps.alpha[:] = maps.alpha * (1 - m) + l_alpha * m
    if normal:
        return

    if not look['margin']:
        refract = cyst or (not look['posterior'] and rng.random() < 0.3)
        _circumscribed_margin(maps, rng, mask, refract)
    else:
        _indistinct_margin(maps, rng, mask)
        if lesion.spicules:
            _spicule_echoes(maps, rng, lesion.spicules)
    if look['echo'] and not cyst and rng.random() < 0.4:
        # microcalcifications: a few bright dots
        ys, xs = np.nonzero(mask)
        k = min(len(ys), int(rng.integers(2, 8)))
        for i in rng.choice(len(ys), size=k, replace=False):
            maps.spec[ys[i], xs[i]] += rng.uniform(1.5, 4.0)


def _circumscribed_margin(
    maps: TissueMaps, rng: np.random.Generator, mask: np.ndarray, refract: bool
) -> None:
    """Optional thin capsule and refraction edge shadows."""
    shape = mask.shape
    k3 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    edge = cv2.morphologyEx(mask, cv2.MORPH_GRADIENT, k3).astype(F32)
    if rng.random() < 0.5:  # thin echogenic (pseudo)capsule, partly visible
        cap = edge * np.clip(lowfreq_noise(rng, shape, 3) + 0.2, 0, 1.2)
        maps.spec += cap * rng.uniform(0.15, 0.45)
    if refract:
        m = mask.astype(F32)
        gx = np.abs(cv2.Sobel(m, cv2.CV_32F, 1, 0, ksize=3))
        gz = np.abs(cv2.Sobel(m, cv2.CV_32F, 0, 1, ksize=3))
        lateral = ((gx > 3 * gz) & (gx > 0)).astype(F32)
        band = np.maximum.accumulate(lateral, axis=0)  # edge downwards
        band = cv2.GaussianBlur(
            band, (0, 0), sigmaX=rng.uniform(0.8, 1.5), sigmaY=0.1
        )
        maps.xatt += band * rng.uniform(4, 10)


def _indistinct_margin(
    maps: TissueMaps, rng: np.random.Generator, mask: np.ndarray
) -> None:
    """Echogenic halo: thick, irregular, blurred."""
    if rng.random() >= 0.7:
        return
    w = int(rng.uniform(0.03, 0.07) * mask.shape[1]) | 1
    ker = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (w, w))
    ring = (cv2.dilate(mask, ker) - mask).astype(F32)
    ring *= lowfreq_noise(rng, mask.shape, 3) > -0.6
    ring = cv2.GaussianBlur(ring, (0, 0), 1.5)
    maps.db += ring * rng.uniform(6, 12)
