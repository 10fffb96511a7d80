"""B-mode image formation from tissue maps (convolution model).

1. A complex Gaussian scatterer field with amplitude ``10 ** (db / 20)``
   plus the coherent (specular) component is convolved with an anisotropic
   Gaussian point-spread function whose lateral width grows away from the
   focal depth; the envelope is Rayleigh (Rician on specular lines), i.e.
   fully developed speckle. A few independent looks are compounded.
2. Round-trip attenuation is accumulated down each column, with the beam's
   lateral blur, and a time-gain compensation (TGC) curve compensates the
   *background* attenuation only: low-attenuation lesions give posterior
   enhancement, high-attenuation lesions posterior acoustic shadowing.
3. Electronic noise, log compression over a random dynamic range and a grey
   map give the 8-bit image. The compression reference is a high percentile
   of the image itself (as a scanner's auto-gain), so the global brightness
   does not depend on the lesion.
"""

from typing import Callable, Optional, Tuple

import cv2
import numpy as np

from .anatomy import F32, TissueMaps

# a source of standard normal float32 fields: shape (H, W) -> array
NoiseSource = Callable[[Tuple[int, int]], np.ndarray]

__all__ = ['form_image']


def _envelope(
    rng: np.random.Generator, maps: TissueMaps, noise: NoiseSource
) -> np.ndarray:
    """Speckle envelope of the scatterer field, ``(H, W)`` float32."""
    h, w = maps.db.shape
    amp = (10 ** (maps.db / 20)).astype(F32)
    s_ax = rng.uniform(0.9, 1.3) * h / 256
    s_lat0 = rng.uniform(1.6, 2.4) * w / 256
    s_lat1 = s_lat0 * rng.uniform(1.4, 2.0)
    zf = rng.uniform(0.3, 0.6) * h
    wz = np.clip(np.abs(np.arange(h, dtype=F32) - zf) / (0.6 * h), 0, 1)[
        :, None
    ]
    n_looks = int(rng.choice([1, 2, 2, 3, 3, 4]))
    power = np.zeros((h, w), F32)
    for _ in range(n_looks):
        re = amp * noise((h, w)) + maps.spec
        im = amp * noise((h, w))
        for s_lat, weight in ((s_lat0, 1 - wz), (s_lat1, wz)):
            # the gain keeps the speckle level independent of the PSF size
            # (a unit-sum Gaussian scales white-noise power by
            # 1 / (4 pi sx sy))
            b = (
                cv2.GaussianBlur(re, (0, 0), s_lat, sigmaY=s_ax) ** 2
                + cv2.GaussianBlur(im, (0, 0), s_lat, sigmaY=s_ax) ** 2
            )
            power += b * (4 * np.pi * s_lat * s_ax) * weight
    return np.sqrt(power / n_looks)


def _gain(rng: np.random.Generator, maps: TissueMaps) -> np.ndarray:
    """Round-trip attenuation against TGC, as a linear gain ``(H, W)``."""
    h, w = maps.db.shape
    depth = np.arange(h, dtype=F32)[:, None]
    att_db = 2 * np.cumsum(maps.alpha, axis=0) * (256 / h) + maps.xatt
    a_near = cv2.GaussianBlur(att_db, (0, 0), sigmaX=1.5 * w / 256, sigmaY=0.1)
    a_far = cv2.GaussianBlur(
        att_db, (0, 0), sigmaX=rng.uniform(4, 7) * w / 256, sigmaY=0.1
    )
    wd = depth / h
    att_db = a_near * (1 - wd) + a_far * wd
    tgc_db = 2 * rng.uniform(0.09, 0.13) * depth * (256 / h)
    tgc_db += rng.uniform(-4, 4) * wd  # imperfect TGC
    return 10 ** ((tgc_db - att_db) / 20)


def form_image(
    rng: np.random.Generator,
    maps: TissueMaps,
    noise: Optional[NoiseSource] = None,
) -> np.ndarray:
    """Render the B-mode image of the tissue maps.

    Args:
        rng (np.random.Generator): Random source of the scanner settings
            (point-spread function, TGC, dynamic range) and, unless
            ``noise`` is given, of the scatterer and electronic noise.
        maps (TissueMaps): Tissue maps of shape ``(H, W)``.
        noise (callable, optional): ``noise((H, W))`` returns a standard
            normal float32 field; called twice per look and twice
            for the electronic noise, in a fixed order. Two frames of one
            sweep use equal ``rng`` states (the same settings) and partly
            correlated ``noise`` (:mod:`.sweep`). Defaults to
            ``rng.standard_normal``.

    Returns:
        np.ndarray: Grey image ``(H, W)``, uint8.
    """
    if noise is None:

        def noise(shape: Tuple[int, int]) -> np.ndarray:
            return rng.standard_normal(shape, dtype=F32)

    h, w = maps.db.shape
    env = _envelope(rng, maps, noise) * _gain(rng, maps)
    noise_level = 10 ** (rng.uniform(-30, -22) / 20)
    electronic = noise_level * np.sqrt(noise((h, w)) ** 2 + noise((h, w)) ** 2)
    env += electronic * (1 + 1.5 * np.arange(h, dtype=F32)[:, None] / h)

    ldb = 20 * np.log10(env + 1e-9)
    ref = np.percentile(ldb, 99.5) + rng.uniform(-2, 2)
    dr = rng.uniform(45, 60)
    x = np.clip((ldb - (ref - dr)) / dr, 0, 1)
    x = x ** rng.uniform(1.1, 1.7)
    x = cv2.GaussianBlur(x.astype(F32), (0, 0), 0.5)  # display smoothing
    return (x * 255 + 0.5).astype(np.uint8)
