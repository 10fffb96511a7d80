"""Adjacent frames of one sweep: one scene, a moving probe, new speckle.

A sonographer sweeping the probe over a lesion saves frames a fraction of
a second apart. They show the same anatomy and lesion, moved by the probe
(a few per cent of the width sideways, a little in depth), and speckle that
is only partly the same: the beam slice moves through the tissue, so part
of the scatterers are new (elevational decorrelation), and the tissue's
echogenicity in the new slice differs a little.

:func:`sweep_frames` draws one scene (:func:`~.render_scene`) on a canvas
covering all probe positions, and forms each frame from its window of the
canvas with the same scanner settings. The speckle of frame ``k`` is
``rho * shared + sqrt(1 - rho ** 2) * own_k``: the shared field lives on
the canvas (it moves with the tissue), the own field is the frame's. Each
frame's backscatter map also gets its own smooth change (``elevation_db``
dB standard deviation, correlation length 3 px). The lesion masks are cut
from the canvas masks, so they move with the lesion.
"""

from typing import List, Sequence, Tuple

import numpy as np

from .anatomy import F32, TissueMaps, lowfreq_noise
from .formation import form_image
from .generator import render_scene

__all__ = ['SweepSpeckle', 'crop_maps', 'sweep_frames']


def crop_maps(
    maps: TissueMaps, origin: Tuple[int, int], size: Tuple[int, int]
) -> TissueMaps:
    """The window of the tissue maps seen from one probe position.

    Args:
        maps (TissueMaps): Canvas maps ``(Hc, Wc)``.
        origin (tuple): ``(x0, y0)`` of the window in the canvas.
        size (tuple): ``(H, W)`` of the window.

    Returns:
        TissueMaps: Maps of shape ``(H, W)`` (copies).
    """
    (x0, y0), (h, w) = origin, size
    rows, cols = slice(y0, y0 + h), slice(x0, x0 + w)
    return TissueMaps(
        db=maps.db[rows, cols].copy(),
        alpha=maps.alpha[rows, cols].copy(),
        spec=maps.spec[rows, cols].copy(),
        xatt=maps.xatt[rows, cols].copy(),
        z_fat=maps.z_fat[cols] - y0,
        z_gland=maps.z_gland[cols] - y0,
    )


class SweepSpeckle:
    """The noise source (``form_image(noise=...)``) of one sweep frame.

    Call ``k`` returns ``rho * shared_k + sqrt(1 - rho ** 2) * own_k``:
    ``shared_k`` is the ``k``-th canvas field of the sweep, cut at the
    frame's window; ``own_k`` is the frame's.

    Args:
        sweep_seed (int): Seed of the shared canvas fields.
        own (np.random.Generator): Source of the frame's own fields.
        canvas (tuple): ``(Hc, Wc)`` of the canvas.
        origin (tuple): ``(x0, y0)`` of the frame's window.
        rho (float): Correlation of the speckle of two frames, in [0, 1].
    """

    def __init__(
        self,
        sweep_seed: int,
        own: np.random.Generator,
        canvas: Tuple[int, int],
        origin: Tuple[int, int],
        rho: float,
    ) -> None:
        if not 0 <= rho <= 1:
            raise ValueError(f'rho must be in [0, 1], got {rho!r}')
        self.sweep_seed = sweep_seed
        self.own = own
        self.canvas = canvas
        self.origin = origin
        self.rho = rho
        self.calls = 0

    def __call__(self, shape: Tuple[int, int]) -> np.ndarray:
        (x0, y0), (h, w) = self.origin, shape
        rng = np.random.default_rng([self.sweep_seed, self.calls])
        self.calls += 1
        shared = rng.standard_normal(self.canvas, dtype=F32)
        own = self.own.standard_normal(shape, dtype=F32)
        return (
            self.rho * shared[y0 : y0 + h, x0 : x0 + w]
            + np.sqrt(1 - self.rho**2) * own
        ).astype(F32)


def sweep_frames(
    rng: np.random.Generator,
    label: str,
    size: Tuple[int, int],
    origins: Sequence[Tuple[int, int]],
    rho: float,
    elevation_db: float = 1.0,
    num_lesions: int = 1,
    p_atypical: float = 0.15,
) -> List[Tuple[np.ndarray, List[np.ndarray]]]:
    """Frames of one scene seen from several probe positions.

    Args:
        rng (np.random.Generator): Random source.
        label (str): 'benign', 'malignant' or 'normal'.
        size (tuple): ``(H, W)`` of every frame.
        origins (Sequence): ``(x0, y0) >= 0`` of each frame's window in the
            scene; the canvas is just large enough for all of them. A
            frame at ``(x0 + dx, y0 + dy)`` shows the tissue of pixel
            ``(x, y)`` of the frame at ``(x0, y0)`` at ``(x - dx, y - dy)``.
        rho (float): Correlation of the speckle between frames, [0, 1].
        elevation_db (float): Standard deviation (dB) of each frame's own
            change of the backscatter map.
        num_lesions (int): Lesions of a tumour scene.
        p_atypical (float): Probability of an atypical lesion.

    Returns:
        list: One ``(image, masks)`` per origin: grey ``(H, W)`` uint8 and
        one binary ``(H, W)`` uint8 mask per lesion.
    """
    if not origins or any(min(o) < 0 for o in origins):
        raise ValueError(f'origins must be (x0, y0) >= 0, got {origins!r}')
    h, w = size
    canvas = (
        h + max(y for _, y in origins),
        w + max(x for x, _ in origins),
    )
    maps, masks, _ = render_scene(rng, label, canvas, num_lesions, p_atypical)
    settings_seed, sweep_seed = (int(s) for s in rng.integers(2**63, size=2))
    frames = []
    for k, (x0, y0) in enumerate(origins):
        own = np.random.default_rng([settings_seed, k])
        window = crop_maps(maps, (x0, y0), size)
        window.db += elevation_db * lowfreq_noise(own, size, 3)
        speckle = SweepSpeckle(sweep_seed, own, canvas, (x0, y0), rho)
        img = form_image(
            np.random.default_rng(settings_seed), window, noise=speckle
        )
        frames.append((img, [m[y0 : y0 + h, x0 : x0 + w] for m in masks]))
    return frames
