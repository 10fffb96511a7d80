"""Background breast anatomy of the phantom: tissue maps and noise fields.

The phantom follows the convolution model of B-mode image formation
(Bamber & Dickinson 1980): a *tissue map* gives, per pixel, the mean
backscatter level (dB), a one-way attenuation coefficient and the amplitude
of a coherent (specular) component. :mod:`.formation` turns the maps into an
8-bit image. Depth runs down the rows; attenuation is expressed in dB per
``H / 256`` rows so that the physical depth range does not depend on the
output size.
"""

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ['TissueMaps', 'lowfreq_noise', 'smooth_curve', 'tissue_maps']

F32 = np.float32


@dataclass
class TissueMaps:
    """Per-pixel tissue properties of one phantom case, all ``(H, W)``.

    Attributes:
        db (np.ndarray): Mean backscatter level in dB (float32).
        alpha (np.ndarray): One-way attenuation, dB per ``H / 256`` rows.
        spec (np.ndarray): Amplitude of the coherent (specular) component.
        xatt (np.ndarray): Extra round-trip loss in dB added below edges
            (refraction edge shadows), accumulated by the lesions.
        z_fat (np.ndarray): Depth (rows) of the fat / gland interface per
            column, shape ``(W,)``.
        z_gland (np.ndarray): Depth of the gland / retro-mammary interface
            per column, shape ``(W,)``.
    """

    db: np.ndarray
    alpha: np.ndarray
    spec: np.ndarray
    xatt: np.ndarray
    z_fat: np.ndarray
    z_gland: np.ndarray


def smooth_curve(
    rng: np.random.Generator, n: int, base: float, amp: float, n_waves: int = 3
) -> np.ndarray:
    """A smooth random curve of length ``n`` around ``base``.

    Args:
        rng (np.random.Generator): Random source.
        n (int): Number of samples (image width).
        base (float): Mean value.
        amp (float): Peak deviation from ``base``.
        n_waves (int): Number of sine components.

    Returns:
        np.ndarray: Curve of shape ``(n,)``, float32.
    """
    x = np.arange(n, dtype=F32) / n
    c = np.zeros(n, F32)
    for k in range(n_waves):
        f = rng.uniform(0.3, 1.0 + k)  # cycles per image width
        c += (
            rng.uniform(0.3, 1.0)
            / (1 + k)
            * np.sin(2 * np.pi * f * x + rng.uniform(0, 2 * np.pi))
        )
    return (base + amp * c / (np.abs(c).max() + 1e-6)).astype(F32)


def lowfreq_noise(
    rng: np.random.Generator, shape: tuple, sigma: float, sigma_x: float = None
) -> np.ndarray:
    """Zero-mean, unit-std smooth Gaussian noise.

    Smooth fields are drawn on a grid coarsened along each axis by half
    its correlation length and upsampled, which keeps the cost low.

    Args:
        rng (np.random.Generator): Random source.
        shape (tuple): ``(H, W)``.
        sigma (float): Vertical correlation length in pixels.
        sigma_x (float, optional): Horizontal correlation length; defaults
            to ``sigma``.

    Returns:
        np.ndarray: Noise of shape ``(H, W)``, float32.
    """
    sigma_x = sigma_x or sigma
    fz, fx = int(max(1, sigma // 2)), int(max(1, sigma_x // 2))
    h_full, w_full = shape
    h, w = max(1, -(-h_full // fz)), max(1, -(-w_full // fx))
    n = rng.standard_normal((h, w), dtype=F32)
    n = cv2.GaussianBlur(n, (0, 0), sigmaX=sigma_x / fx, sigmaY=sigma / fz)
    if fz > 1 or fx > 1:
        n = cv2.resize(n, (w_full, h_full), interpolation=cv2.INTER_CUBIC)
    return n / (n.std() + 1e-6)


def _polyline(
    img: np.ndarray, xs: np.ndarray, zs: np.ndarray, value: float
) -> None:
    pts = np.stack([xs, zs], 1).astype(np.int32)
    cv2.polylines(img, [pts], False, float(value), 1)


def _cooper_ligaments(
    rng: np.random.Generator,
    shape: tuple,
    z_skin: np.ndarray,
    skin_th: float,
    z_fat: np.ndarray,
) -> np.ndarray:
    """Curved specular lines crossing the subcutaneous fat."""
    h, w = shape
    xs = np.arange(w)
    lines = np.zeros(shape, F32)
    t = np.linspace(0, 1, 40)[:, None]
    for _ in range(rng.integers(3, 9)):
        x0 = rng.uniform(0, w)
        z0 = np.interp(x0, xs, z_fat)
        x1 = x0 + rng.uniform(-0.35, 0.35) * w
        z1 = np.interp(np.clip(x1, 0, w - 1), xs, z_skin) + skin_th
        xm = (x0 + x1) / 2 + rng.uniform(-0.08, 0.08) * w
        zm = (z0 + z1) / 2 + rng.uniform(-0.05, 0.05) * h
        curve = (
            (1 - t) ** 2 * [x0, z0]
            + 2 * (1 - t) * t * [xm, zm]
            + t**2 * [x1, z1]
        )
        cv2.polylines(
            lines, [curve.astype(np.int32)], False, rng.uniform(0.15, 0.45), 1
        )
    # uneven brightness along the ligaments
    return lines * np.clip(lowfreq_noise(rng, shape, 4) + 0.5, 0, 1.5)


def tissue_maps(
    rng: np.random.Generator, height: int, width: int
) -> TissueMaps:
    """Draw the background anatomy of one case.

    Layers from the top: coupling gel, skin, subcutaneous fat (with Cooper's
    ligaments), fibroglandular tissue (with fat islands), retro-mammary fat,
    pectoral muscle (striated) and deep tissue.

    Args:
        rng (np.random.Generator): Random source.
        height (int): Image height ``H``.
        width (int): Image width ``W``.

    Returns:
        TissueMaps: Maps of shape ``(H, W)``.
    """
    h, w = height, width
    shape = (h, w)
    zz = np.broadcast_to(np.arange(h, dtype=F32)[:, None], shape)
    z_skin = smooth_curve(rng, w, rng.uniform(0.015, 0.04) * h, 0.008 * h, 2)
    skin_th = rng.uniform(0.012, 0.025) * h
    z_fat = smooth_curve(
        rng, w, rng.uniform(0.14, 0.32) * h, rng.uniform(0.02, 0.06) * h, 3
    )
    z_gland = z_fat + smooth_curve(
        rng, w, rng.uniform(0.25, 0.45) * h, rng.uniform(0.03, 0.08) * h, 4
    )
    z_rmf = z_gland + rng.uniform(0.02, 0.06) * h
    z_musc = z_rmf + smooth_curve(
        rng, w, rng.uniform(0.12, 0.22) * h, 0.02 * h, 2
    )

    # layer index per pixel: 0 gel, 1 skin, 2 fat, 3 gland, 4 retro-mammary
    # fat, 5 muscle, 6 deep
    bounds = (z_skin, z_skin + skin_th, z_fat, z_gland, z_rmf, z_musc)
    layer = sum((zz >= b[None, :]).astype(np.int8) for b in bounds)
    base = np.array(
        [
            -45.0,
            2.0,
            rng.uniform(-14, -9),
            0.0,
            rng.uniform(-15, -10),
            rng.uniform(-9, -5),
            rng.uniform(-20, -12),
        ],
        F32,
    )
    a0 = np.array([0.0, 0.15, 0.08, 0.12, 0.08, 0.14, 0.12], F32)
    db = base[layer]
    alpha = a0[layer]
    gland = layer == 3
    musc = layer == 5

    # glandular heterogeneity and fat islands inside the gland
    db += np.where(
        gland, 3.5 * lowfreq_noise(rng, shape, rng.uniform(3, 7)), 0
    )
    islands = lowfreq_noise(rng, shape, rng.uniform(5, 9), rng.uniform(8, 14))
    db = np.where(gland & (islands > 1.1), db - rng.uniform(6, 11), db)
    # textured fat lobules
    db += np.where(
        (layer == 2) | (layer == 4), 2.0 * lowfreq_noise(rng, shape, 6), 0
    )
    # muscle striations: long thin bright fibres, slightly oblique
    st = lowfreq_noise(rng, shape, 0.8, rng.uniform(10, 20))
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-10, 10), 1.0)
    st = cv2.warpAffine(st, rot, (w, h), borderMode=cv2.BORDER_REFLECT)
    db += np.where(musc, 4.0 * np.clip(st, -1, 2.5), 0)
    db += np.where(layer == 6, 3.0 * lowfreq_noise(rng, shape, 2, 8), 0)

    # specular lines: skin entry echo, fascia (broken), Cooper's ligaments
    xs = np.arange(w)
    spec = np.zeros(shape, F32)
    _polyline(spec, xs, z_skin, 1.0)
    fascia = np.zeros(shape, F32)
    _polyline(fascia, xs, z_skin + skin_th, 0.6)
    _polyline(fascia, xs, z_rmf, rng.uniform(0.2, 0.5))
    _polyline(fascia, xs, z_musc, rng.uniform(0.2, 0.5))
    fascia *= np.clip(lowfreq_noise(rng, shape, 2, 10) + 0.3, 0, 1.5)
    spec += fascia
    spec += _cooper_ligaments(rng, shape, z_skin, skin_th, z_fat)
    spec *= 10 ** (rng.uniform(0, 6) / 20)
    return TissueMaps(
        db=db.astype(F32),
        alpha=alpha.astype(F32),
        spec=spec.astype(F32),
        xatt=np.zeros(shape, F32),
        z_fat=z_fat,
        z_gland=z_gland,
    )
