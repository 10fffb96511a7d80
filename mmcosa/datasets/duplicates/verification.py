"""Decide whether two images show the same frame, the same lesion, or not.

A candidate pair is aligned, then compared pixel by pixel; keypoint
inliers alone are not evidence (unrelated scans sharing burnt-in text
match on the text). Steps:

1. identical decoded pixels -> same frame;
2. SIFT matches (Lowe ratio) -> a RANSAC similarity fit (rotation, one
   scale, shift: re-crops, resized copies, a sector vs its crop, zooms and
   small probe motion are all similarities; no flips occur in the data);
3. the blurred grey copy of B is warped onto A; on the overlap (dark
   background and burnt-in overlays masked) the median absolute grey
   difference, the same after removing the median offset, and the
   normalised cross-correlation are measured;
4. same frame: offset-free difference <= ``frame_difference`` (real BUSI
   same-frame pairs: <= 2 grey levels) with high correlation; same lesion
   (adjacent frames of one sweep: new speckle, small probe motion):
   difference <= ``lesion_difference`` and correlation >=
   ``lesion_correlation`` (real adjacent frames: 3.7-14 and >= 0.82;
   unrelated pairs >= 15.5).

When the keypoints give no fit, two copies of one field of view (a
re-encoded or resized copy) are tried with the frame-to-frame scaling.
"""

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np

from .features import ImageFeatures

__all__ = ['CheckParams', 'PairEvidence', 'verify_pair']

SAME_FRAME = 'same_frame'
SAME_LESION = 'same_lesion'


@dataclass(frozen=True)
class CheckParams:
    """Thresholds of :func:`verify_pair`.

    Attributes:
        ratio (float): Lowe ratio of the pairwise SIFT matching.
        min_matches (int): Matches needed to try a similarity fit.
        ransac_px (float): RANSAC reprojection threshold, original pixels.
        max_rotation (float): Largest rotation of a fit, degrees.
        scale_range (tuple[float, float]): Accepted scale of a fit.
        frame_inliers (int): Inliers needed for a same-frame fit.
        lesion_inliers (int): Inliers needed for a same-lesion fit.
        min_overlap (float): Overlap of the aligned comparable pixels, as a
            fraction of the smaller image's comparable pixels.
        min_overlap_px (int): Smallest overlap, working pixels.
        frame_difference (float): Largest offset-free median grey
            difference of a same-frame pair.
        frame_correlation (float): Smallest correlation of a same-frame
            pair.
        lesion_difference (float): Largest median grey difference of a
            same-lesion pair.
        lesion_correlation (float): Smallest correlation of a same-lesion
            pair.
        view_correlation (float): Smallest correlation of a same-frame
            pair aligned by the field of view alone (no keypoint fit).
        sweep_correlation (float): Smallest correlation of a same-lesion
            pair aligned by a shift alone (no keypoint fit: adjacent frames
            whose speckle changed too much to match keypoints).
        sweep_overlap (float): Smallest overlap of such a pair.
    """

    ratio: float = 0.8
    min_matches: int = 8
    ransac_px: float = 4.0
    max_rotation: float = 8.0
    scale_range: Tuple[float, float] = (0.5, 2.0)
    frame_inliers: int = 12
    lesion_inliers: int = 10
    min_overlap: float = 0.4
    min_overlap_px: int = 1500
    frame_difference: float = 3.0
    frame_correlation: float = 0.9
    lesion_difference: float = 14.5
    lesion_correlation: float = 0.8
    view_correlation: float = 0.95
    sweep_correlation: float = 0.82
    sweep_overlap: float = 0.5


@dataclass
class PairEvidence:
    """What the pixel check measured for one aligned pair.

    Attributes:
        level (str, optional): ``'same_frame'``, ``'same_lesion'`` or None
            (not a duplicate).
        method (str): ``'identical'``, ``'keypoints'``, ``'field_of_view'``
            or ``'shift'``: how the pair was aligned.
        inliers (int): RANSAC inliers (0 without a keypoint fit).
        matches (int): SIFT matches passing the ratio test.
        difference (float): Median absolute grey difference on the overlap.
        offset_difference (float): The same after removing the median
            offset (a brightness change).
        correlation (float): Normalised cross-correlation on the overlap.
        scale (float): Scale of the fit (B's pixels to A's).
        rotation (float): Rotation of the fit, degrees.
        overlap (float): Overlap fraction (see ``CheckParams.min_overlap``).
    """

    level: Optional[str]
    method: str
    inliers: int = 0
    matches: int = 0
    difference: float = 0.0
    offset_difference: float = 0.0
    correlation: float = 1.0
    scale: float = 1.0
    rotation: float = 0.0
    overlap: float = 1.0

    def to_dict(self) -> dict:
        """JSON-ready dict, rounded."""
        return dict(
            level=self.level,
            method=self.method,
            inliers=self.inliers,
            matches=self.matches,
            difference=round(self.difference, 2),
            offset_difference=round(self.offset_difference, 2),
            correlation=round(self.correlation, 4),
            scale=round(self.scale, 4),
            rotation=round(self.rotation, 2),
            overlap=round(self.overlap, 3),
        )


def _match(a: ImageFeatures, b: ImageFeatures, ratio: float):
    """Ratio-test matches; returns (points of b, points of a)."""
    if len(a.descriptors) < 2 or len(b.descriptors) < 2:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(b.descriptors, a.descriptors, 2)
    pairs = [
        (m.queryIdx, m.trainIdx)
        for m, *rest in (k for k in knn if k)
        if not rest or m.distance < ratio * rest[0].distance
    ]
    if not pairs:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    qb, ta = np.array(pairs).T
    return b.points[qb], a.points[ta]


def _fit(pb: np.ndarray, pa: np.ndarray, p: CheckParams):
    """RANSAC similarity B -> A in original pixels; (M, inliers) or None."""
    m, inl = cv2.estimateAffinePartial2D(
        pb,
        pa,
        method=cv2.RANSAC,
        ransacReprojThreshold=p.ransac_px,
        maxIters=2000,
        confidence=0.995,
    )
    if m is None:
        return None
    return m, int(inl.sum())


def _scale_rotation(m: np.ndarray) -> Tuple[float, float]:
    scale = math.hypot(m[0, 0], m[1, 0])
    return scale, math.degrees(math.atan2(m[1, 0], m[0, 0]))


def _compare(
    a: ImageFeatures, b: ImageFeatures, m: np.ndarray, p: CheckParams
) -> Optional[Tuple[float, float, float, float]]:
    """Warp B's blurred copy onto A with ``m`` (original pixels).

    Returns:
        tuple | None: ``(difference, offset_difference, correlation,
        overlap)``, or None when the overlap is too small to judge.
    """
    # original -> working: x_w = scale * x_o
    work = m.astype(np.float64).copy()
    work[:, :2] *= a.scale / b.scale
    work[:, 2] *= a.scale
    h, w = a.blur.shape
    blur_a = a.blur.astype(np.float32)
    warped = cv2.warpAffine(
        b.blur.astype(np.float32),
        work,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderValue=0,
    )
    seen = cv2.warpAffine(
        b.valid.astype(np.uint8),
        work,
        (w, h),
        flags=cv2.INTER_NEAREST,
        borderValue=0,
    )
    overlap = cv2.erode(
        (seen.astype(bool) & a.valid).astype(np.uint8),
        np.ones((3, 3), np.uint8),
    ).astype(bool)
    count = int(overlap.sum())
    area_scale = (math.hypot(work[0, 0], work[1, 0])) ** 2
    smaller = min(a.num_valid, b.num_valid * area_scale)
    frac = count / max(smaller, 1.0)
    if count < p.min_overlap_px or frac < p.min_overlap:
        return None
    va, vb = blur_a[overlap], warped[overlap]
    d = va - vb
    diff = float(np.median(np.abs(d)))
    off = float(np.median(np.abs(d - np.median(d))))
    sa, sb = va.std(), vb.std()
    corr = (
        float(((va - va.mean()) * (vb - vb.mean())).mean() / (sa * sb))
        if sa > 1e-6 and sb > 1e-6
        else 0.0
    )
    return diff, off, corr, min(frac, 1.0)


def verify_pair(
    a: ImageFeatures,
    b: ImageFeatures,
    params: Optional[CheckParams] = None,
    same_view: bool = False,
    sweep: bool = False,
) -> PairEvidence:
    """Align B onto A and decide whether they are duplicates.

    Args:
        a (ImageFeatures): First image.
        b (ImageFeatures): Second image.
        params (CheckParams, optional): Thresholds; defaults if None.
        same_view (bool): Also try the field-of-view alignment (B's frame
            stretched onto A's) when the keypoints give no duplicate; used
            for pairs whose dHashes are close.
        sweep (bool): Also try a shift found by phase correlation and
            refined by ECC on the blurred copies (adjacent frames of one
            sweep, whose speckle changed); used for pairs whose thumbnails
            look alike.

    Returns:
        PairEvidence: The measurements; ``level`` is None when the pair is
        not a duplicate at either level.
    """
    p = params or CheckParams()
    if a.digest == b.digest:
        return PairEvidence(level=SAME_FRAME, method='identical')
    pb, pa = _match(a, b, p.ratio)
    best = PairEvidence(
        level=None,
        method='keypoints',
        matches=len(pa),
        correlation=0.0,
        overlap=0.0,
    )
    if len(pa) >= p.min_matches:
        fit = _fit(pb, pa, p)
        if fit is not None:
            m, inliers = fit
            scale, rot = _scale_rotation(m)
            best.inliers, best.scale, best.rotation = inliers, scale, rot
            ok_geometry = (
                p.scale_range[0] <= scale <= p.scale_range[1]
                and abs(rot) <= p.max_rotation
                and inliers >= min(p.frame_inliers, p.lesion_inliers)
            )
            res = _compare(a, b, m, p) if ok_geometry else None
            if res is not None:
                diff, off, corr, frac = res
                best.difference, best.offset_difference = diff, off
                best.correlation, best.overlap = corr, frac
                if (
                    inliers >= p.frame_inliers
                    and off <= p.frame_difference
                    and corr >= p.frame_correlation
                ):
                    best.level = SAME_FRAME
                elif (
                    inliers >= p.lesion_inliers
                    and diff <= p.lesion_difference
                    and corr >= p.lesion_correlation
                ):
                    best.level = SAME_LESION
    # other alignments; a rejected pair keeps the closest measurement
    for check, wanted in ((_view_check, same_view), (_shift_check, sweep)):
        if best.level is not None or not wanted:
            continue
        other = check(a, b, p, best.matches)
        if other is not None and (
            other.level is not None or other.correlation > best.correlation
        ):
            best = other
    return best


def _view_check(
    a: ImageFeatures, b: ImageFeatures, p: CheckParams, matches: int
) -> Optional[PairEvidence]:
    """Same frame by the field of view alone: B stretched onto A."""
    (ha, wa), (hb, wb) = a.shape, b.shape
    if abs(math.log((wa / ha) / (wb / hb))) > 0.05:
        return None
    m = np.array([[wa / wb, 0, 0], [0, ha / hb, 0]], np.float64)
    res = _compare(a, b, m, p)
    if res is None:
        return None
    diff, off, corr, frac = res
    ok = off <= p.frame_difference and corr >= p.view_correlation
    return PairEvidence(
        level=SAME_FRAME if ok else None,
        method='field_of_view',
        matches=matches,
        difference=diff,
        offset_difference=off,
        correlation=corr,
        scale=math.sqrt(wa * ha / (wb * hb)),
        overlap=frac,
    )


def _small(f: ImageFeatures, size: Tuple[int, int]):
    """Zero-mean blurred copy and its mask at ``size`` (w, h)."""
    img = cv2.resize(
        f.blur.astype(np.float32), size, interpolation=cv2.INTER_AREA
    )
    mask = (
        cv2.resize(
            f.valid.astype(np.float32), size, interpolation=cv2.INTER_AREA
        )
        > 0.99
    )
    if mask.sum() < 16:
        return None
    img = np.where(mask, img - img[mask].mean(), 0).astype(np.float32)
    return img, mask


def _shift_check(
    a: ImageFeatures, b: ImageFeatures, p: CheckParams, matches: int
) -> Optional[PairEvidence]:
    """Same lesion by a shift alone: phase correlation, then ECC.

    Works on copies ~128 px wide (speckle is blurred away; the anatomy and
    the lesion remain); both images are taken at A's pixel spacing.
    """
    (ha, wa), (hb, wb) = a.shape, b.shape
    k = 128.0 / max(wa, ha, wb, hb)
    sa = (max(8, round(wa * k)), max(8, round(ha * k)))
    sb = (max(8, round(wb * k)), max(8, round(hb * k)))
    small_a, small_b = _small(a, sa), _small(b, sb)
    if small_a is None or small_b is None:
        return None
    (ia, ma), (ib, _) = small_a, small_b
    h, w = max(sa[1], sb[1]), max(sa[0], sb[0])
    pa = np.zeros((h, w), np.float32)
    pb = np.zeros((h, w), np.float32)
    pa[: sa[1], : sa[0]] = ia
    pb[: sb[1], : sb[0]] = ib
    window = cv2.createHanningWindow((w, h), cv2.CV_32F)
    (dx, dy), _ = cv2.phaseCorrelate(pb, pa, window)
    # ECC: template A, input B; its warp maps A's pixels to B's
    warp = np.array([[1, 0, -dx], [0, 1, -dy]], np.float32)
    try:
        _, warp = cv2.findTransformECC(
            pa,
            pb,
            warp,
            cv2.MOTION_TRANSLATION,
            (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 60, 1e-4),
            (np.pad(ma, ((0, h - sa[1]), (0, w - sa[0])))).astype(np.uint8),
            3,
        )
        dx, dy = -float(warp[0, 2]), -float(warp[1, 2])
    except cv2.error:  # no convergence: keep the phase-correlation shift
        pass
    m = np.array([[1, 0, dx / k], [0, 1, dy / k]], np.float64)
    res = _compare(a, b, m, p)
    if res is None:
        return None
    diff, off, corr, frac = res
    ok = (
        diff <= p.lesion_difference
        and corr >= p.sweep_correlation
        and frac >= p.sweep_overlap
    )
    return PairEvidence(
        level=SAME_LESION if ok else None,
        method='shift',
        matches=matches,
        difference=diff,
        offset_difference=off,
        correlation=corr,
        scale=1.0,
        overlap=frac,
    )
