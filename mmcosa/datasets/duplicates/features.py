"""What the duplicate finder keeps of each image.

:func:`extract_features` turns one decoded image into an
:class:`ImageFeatures`: a pixel digest and a dHash (exact and same-view
copies), SIFT keypoints on the tissue (candidates and alignment), and a
blurred grey working copy with a mask of the pixels that may be compared
(the pixel check). It is called once per image, from worker threads (OpenCV
releases the GIL), so a conversion reads every file once.

Pixels not compared: the dark background outside the scan sector and burnt
in overlays (calipers, text, coloured marks), which one copy of a frame may
carry and the other not. Keypoints are not taken on or next to overlays
either, so unrelated images sharing burnt-in text ("LEFT BREAST") do not
vote for each other.
"""

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from mmcosa.utils.image_io import to_uint8

from .hashing import dhash, pixel_digest

__all__ = ['FeatureParams', 'ImageFeatures', 'extract_features', 'to_gray8']

#: (width, height) of the global thumbnail.
THUMB_SIZE = (32, 24)


@dataclass(frozen=True)
class FeatureParams:
    """Settings of :func:`extract_features`.

    Attributes:
        max_side (int): Longer side of the pixel-check copy (images are
            shrunk to it, never enlarged). Defaults to 512.
        keypoint_side (int): Longer side of the copy keypoints are detected
            on (SIFT's cost grows with the area). Defaults to 320.
        num_keypoints (int): SIFT keypoints kept per image (strongest).
        blur_sigma (float): Gaussian sigma of the pixel check, in pixels of
            the original image (2, as in the measured real-data figures).
        dark_level (int): Blurred grey level at or below which a pixel is
            background (outside the sector), not compared.
        overlay_level (int): Grey level at or above which a pixel is a
            burnt-in overlay (calipers, text), not compared.
        colour_spread (int): Channel spread (max - min) at or above which an
            RGB pixel is a coloured overlay.
        hash_size (int): dHash grid side (``hash_size ** 2`` bits).
    """

    max_side: int = 512
    keypoint_side: int = 320
    num_keypoints: int = 400
    blur_sigma: float = 2.0
    dark_level: int = 8
    overlay_level: int = 235
    colour_spread: int = 40
    hash_size: int = 16

    def __post_init__(self) -> None:
        for name in ('max_side', 'keypoint_side'):
            if getattr(self, name) < 64:
                raise ValueError(
                    f'{name} must be >= 64, got {getattr(self, name)}'
                )
        if self.num_keypoints < 16:
            raise ValueError(
                f'num_keypoints must be >= 16, got {self.num_keypoints}'
            )
        if self.blur_sigma <= 0:
            raise ValueError(f'blur_sigma must be > 0, got {self.blur_sigma}')


@dataclass
class ImageFeatures:
    """Everything the duplicate finder compares, for one image.

    Attributes:
        shape (tuple[int, int]): ``(H, W)`` of the original image.
        scale (float): Working size / original size (<= 1).
        digest (str): Digest of the decoded pixels.
        hash (np.ndarray): Packed dHash bits, uint8 of shape (B,).
        points (np.ndarray): Keypoint positions in ORIGINAL pixel
            coordinates, float32 of shape (K, 2) as ``(x, y)``.
        descriptors (np.ndarray): RootSIFT descriptors, float32 (K, 128),
            unit L2 norm.
        blur (np.ndarray): Blurred grey working copy, float32 (h, w).
        valid (np.ndarray): Pixels that may be compared, bool (h, w).
        thumb (np.ndarray): Heavily blurred 32x24 thumbnail, zero mean and
            unit norm, float32 (768,): the global look of the scan
            (adjacent frames of one sweep are the closest pairs).
    """

    shape: tuple
    scale: float
    digest: str
    hash: np.ndarray
    points: np.ndarray
    descriptors: np.ndarray
    blur: np.ndarray
    valid: np.ndarray
    thumb: np.ndarray

    @property
    def num_valid(self) -> int:
        """Number of comparable working pixels."""
        return int(self.valid.sum())


def to_gray8(image: np.ndarray) -> np.ndarray:
    """A uint8 grey view of a decoded image.

    Args:
        image (np.ndarray): (H, W), (H, W, 3) RGB or (H, W, 4) RGBA; uint8,
            or wider data brought to 8 bits by the project's one rule
            (:func:`mmcosa.utils.image_io.to_uint8`).

    Returns:
        np.ndarray: uint8 of shape (H, W).
    """
    if image.ndim == 3 and image.shape[2] in (3, 4):
        image = image[..., :3]
        if image.dtype != np.uint8:
            image = to_uint8(image)
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    if image.ndim != 2:
        raise ValueError(
            f'expected an image of shape (H, W), (H, W, 3) or (H, W, 4), '
            f'got {image.shape}'
        )
    return image if image.dtype == np.uint8 else to_uint8(image)


def _overlay_mask(image: np.ndarray, gray: np.ndarray, p: FeatureParams):
    """Burnt-in overlays: saturated grey or coloured pixels, (H, W) bool."""
    over = gray >= p.overlay_level
    if image.ndim == 3:
        r, g, b = cv2.split(np.ascontiguousarray(image[..., :3]))
        spread = cv2.subtract(
            cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b)
        )
        over |= spread >= p.colour_spread
    return over


def extract_features(
    image: np.ndarray,
    params: Optional[FeatureParams] = None,
    sift: Optional[cv2.SIFT] = None,
    keypoints: bool = True,
) -> ImageFeatures:
    """Digest, dHash, keypoints and the pixel-check copy of one image.

    Args:
        image (np.ndarray): Decoded image, (H, W) grey or (H, W, 3/4)
            RGB(A), uint8 or 16-bit.
        params (FeatureParams, optional): Settings; defaults if None.
        sift (cv2.SIFT, optional): A SIFT detector to reuse (one per
            thread); made from ``params`` if None.
        keypoints (bool): Detect keypoints and keep the pixel-check copy
            (False: digest and dHash only, for the ``'hash'`` mode).

    Returns:
        ImageFeatures: The image's features.
    """
    p = params or FeatureParams()
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    digest = pixel_digest(np.ascontiguousarray(image))
    if image.dtype != np.uint8:
        image = to_uint8(image)
    gray = to_gray8(image)
    h, w = gray.shape
    if not keypoints:
        empty = np.zeros((0, 0), np.float32)
        return ImageFeatures(
            shape=(h, w),
            scale=1.0,
            digest=digest,
            hash=dhash(gray, p.hash_size),
            points=np.zeros((0, 2), np.float32),
            descriptors=np.zeros((0, 128), np.float32),
            blur=empty,
            valid=empty.astype(bool),
            thumb=np.zeros(0, np.float32),
        )
    if min(h, w) < 8:
        raise ValueError(
            f'image of {w}x{h} pixels is too small to compare; '
            f'expected at least 8x8.'
        )
    overlay = _overlay_mask(image, gray, p)
    scale = min(1.0, p.max_side / max(h, w))
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    work, over_work = gray, overlay
    if scale < 1.0:
        work = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        over_work = _shrink_mask(overlay, size)
    sigma = max(0.5, p.blur_sigma * scale)
    blur = cv2.GaussianBlur(work.astype(np.float32), (0, 0), sigma)
    # Overlays lose their own blurred halo too; background = dark sector
    # surround (blurred, so speckle-dark tissue stays in).
    halo = cv2.dilate(
        over_work.astype(np.uint8), np.ones((5, 5), np.uint8)
    ).astype(bool)
    valid = ~halo & (blur > p.dark_level)
    points, desc = _keypoints(gray, overlay, p, sift)
    return ImageFeatures(
        shape=(h, w),
        scale=scale,
        digest=digest,
        hash=dhash(gray, p.hash_size),
        points=points,
        descriptors=desc,
        blur=blur.astype(np.float16),
        valid=valid,
        thumb=_thumbnail(blur),
    )


def _thumbnail(blur: np.ndarray) -> np.ndarray:
    """Zero-mean, unit-norm 32x24 thumbnail of a blurred copy, (768,)."""
    sigma = max(blur.shape) / 64
    small = cv2.resize(
        cv2.GaussianBlur(blur, (0, 0), sigma),
        THUMB_SIZE,
        interpolation=cv2.INTER_AREA,
    ).ravel()
    small -= small.mean()
    return small / (np.linalg.norm(small) + 1e-6)


def _shrink_mask(mask: np.ndarray, size: tuple) -> np.ndarray:
    """Shrink a bool mask; a cell touched by the mask stays set."""
    shrunk = cv2.resize(
        mask.astype(np.float32), size, interpolation=cv2.INTER_AREA
    )
    return shrunk > 0


def _keypoints(
    gray: np.ndarray,
    overlay: np.ndarray,
    p: FeatureParams,
    sift: Optional[cv2.SIFT],
):
    """SIFT away from overlays; (points (K, 2) original px, RootSIFT)."""
    h, w = gray.shape
    # shrink large images to keypoint_side; enlarge small ones (thumbnails,
    # test images) to half of it so they still give enough keypoints
    k_scale = min(1.0, p.keypoint_side / max(h, w))
    k_scale = max(k_scale, p.keypoint_side / 2 / max(h, w))
    size = (max(8, round(w * k_scale)), max(8, round(h * k_scale)))
    if k_scale < 1.0:
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        overlay = _shrink_mask(overlay, size)
    elif k_scale > 1.0:
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_CUBIC)
        overlay = cv2.resize(
            overlay.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST
        ).astype(bool)
    # no keypoint whose patch reaches burnt-in text or calipers: keep the
    # ones farther from any overlay pixel than their own size
    free = (overlay == 0).astype(np.uint8)
    dist = cv2.distanceTransform(free, cv2.DIST_L2, 3)
    detector = sift if sift is not None else make_sift(p)
    kps, desc = detector.detectAndCompute(gray, free * 255)
    if desc is None or not kps:
        return np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32)
    xy = np.array([k.pt for k in kps], np.float32)
    size = np.array([k.size for k in kps], np.float32)
    xi = np.clip(np.round(xy[:, 0]).astype(int), 0, gray.shape[1] - 1)
    yi = np.clip(np.round(xy[:, 1]).astype(int), 0, gray.shape[0] - 1)
    keep = dist[yi, xi] > size + 2
    if not keep.any():
        return np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32)
    points = xy[keep] / k_scale
    desc = desc[keep]
    return points, _root_sift(desc)


def make_sift(params: Optional[FeatureParams] = None) -> cv2.SIFT:
    """A SIFT detector keeping ``params.num_keypoints`` keypoints."""
    p = params or FeatureParams()
    return cv2.SIFT_create(nfeatures=p.num_keypoints)


def _root_sift(desc: np.ndarray) -> np.ndarray:
    """RootSIFT (Arandjelovic & Zisserman 2012): L1 normalise, sqrt."""
    desc = desc.astype(np.float32)
    desc /= desc.sum(axis=1, keepdims=True) + 1e-7
    return np.sqrt(desc)
