"""The result of running an mmcosa model on one image."""

from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np

from mmcosa.datasets.metainfo import CLASS_NAMES, CLS_CLASSES, MALIGNANT_LABEL
from mmcosa.utils.lesion_size import lesion_area_mm2, longest_diameter_mm
from mmcosa.visualization import region_margin

__all__ = ['BUSPrediction']

_MALIGNANT = CLASS_NAMES[MALIGNANT_LABEL]


@dataclass
class BUSPrediction:
    """Prediction for one image, at the image's original size.

    Attributes:
        img_path (str | None): Source file, None for an array input.
        image (np.ndarray): The input as ``(H, W, 3)`` uint8 RGB.
        mask (np.ndarray | None): ``(H, W)`` uint8 tumour mask in {0, 1};
            None for a classification-only model.
        probs (np.ndarray | None): ``(C,)`` class probabilities; None for a
            segmentation-only model.
        classes (tuple[str]): Names of the image classes, index = label.
        pred_label (int | None): Predicted class label.
        regions (np.ndarray | None): ``(3, H, W)`` float COSA region maps
            (background X, tumour Y, margin Z; the prediction's
            ``pred_regions``) when the model has a COSA neck, else None.
        frame (int | None): Frame number within a DICOM file, counted from
            1 as DICOM does; None for other images and arrays.
        pixel_size_mm (tuple[float] | None): ``(dy, dx)``, the size of one
            pixel of :attr:`image` in mm, from the DICOM ultrasound region
            that holds the lesion; None when unknown.
        size_note (str): Where :attr:`pixel_size_mm` comes from, or why it
            is None (not a DICOM file, no ultrasound region, units not cm,
            lesion outside / across regions, no lesion predicted).
    """

    img_path: Optional[str]
    image: np.ndarray
    mask: Optional[np.ndarray] = None
    probs: Optional[np.ndarray] = None
    classes: Tuple[str, ...] = CLS_CLASSES
    pred_label: Optional[int] = None
    regions: Optional[np.ndarray] = field(default=None, repr=False)
    frame: Optional[int] = None
    pixel_size_mm: Optional[Tuple[float, float]] = None
    size_note: str = ''

    @property
    def pred_class(self) -> Optional[str]:
        """Name of the predicted class, None without a classifier."""
        if self.pred_label is None:
            return None
        if 0 <= self.pred_label < len(self.classes):
            return self.classes[self.pred_label]
        return str(self.pred_label)

    @property
    def malignancy(self) -> Optional[float]:
        """Probability of the malignant class, if predicted."""
        if self.probs is None or _MALIGNANT not in self.classes:
            return None
        idx = self.classes.index(_MALIGNANT)
        return float(self.probs[idx]) if idx < len(self.probs) else None

    @property
    def tumour_area(self) -> Optional[int]:
        """Number of predicted tumour pixels at the original size."""
        return None if self.mask is None else int(np.count_nonzero(self.mask))

    @property
    def tumour_area_mm2(self) -> Optional[float]:
        """Area of all tumour pixels in mm², None without a pixel size."""
        if self.mask is None or self.pixel_size_mm is None:
            return None
        return lesion_area_mm2(self.mask, self.pixel_size_mm)

    @property
    def longest_diameter_mm(self) -> Optional[float]:
        """Longest (max Feret) diameter of the largest lesion in mm.

        None without a pixel size or without a predicted lesion; see
        :func:`mmcosa.utils.lesion_size.longest_diameter_mm`.
        """
        if self.mask is None or self.pixel_size_mm is None:
            return None
        return longest_diameter_mm(self.mask, self.pixel_size_mm)

    @property
    def margin(self) -> Optional[np.ndarray]:
        """``(H, W)`` bool COSA margin ring, None without a COSA neck."""
        return None if self.regions is None else region_margin(self.regions)
