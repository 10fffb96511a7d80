"""Read user images of any size and mode for inference.

Every image becomes a 3-channel ``uint8`` array in BGR order, the layout
mmcv's ``LoadImageFromFile`` gives the model during training: greyscale is
replicated, an alpha channel is dropped, and data wider than 8 bits is
brought to 8 bits by the rule the converters use
(:mod:`mmcosa.utils.image_io`). DICOM files (``.dcm``, ``.dicom`` or the
``DICM`` marker, any name) are read frame by frame with their ultrasound
regions (:mod:`mmcosa.utils.dicom_io`); :func:`read_frames` gives every
frame of any file.
"""

import os
import os.path as osp
from typing import Iterator, List, NamedTuple, Optional, Tuple

import cv2
import numpy as np

from mmcosa.utils.dicom_io import (
    DICOM_EXTENSIONS,
    DicomImage,
    UltrasoundRegion,
    is_dicom,
)
from mmcosa.utils.image_io import ImageReadError, read_image_uint8, to_bgr

__all__ = [
    'IMAGE_EXTENSIONS',
    'ImageReadError',
    'InputFrame',
    'list_images',
    'read_frames',
    'read_image',
    'to_bgr',
]

#: File name endings treated as images when a folder is scanned.
IMAGE_EXTENSIONS = (
    '.png',
    '.jpg',
    '.jpeg',
    '.bmp',
    '.tif',
    '.tiff',
    '.gif',
    '.webp',
    '.pgm',
    '.ppm',
    '.pbm',
) + DICOM_EXTENSIONS


class InputFrame(NamedTuple):
    """One image to predict: a file, one frame of a DICOM file, an array.

    Attributes:
        img_bgr (np.ndarray): ``(H, W, 3)`` uint8, BGR.
        frame (int | None): DICOM frame number, from 1; None otherwise.
        regions (tuple[UltrasoundRegion] | None): The DICOM file's
            ultrasound regions (empty if it has none); None when the input
            is not DICOM.
        path (str | None): Source file, None for an array.
        num_frames (int): Frames in the source file (1 if not DICOM).
    """

    img_bgr: np.ndarray
    frame: Optional[int] = None
    regions: Optional[Tuple[UltrasoundRegion, ...]] = None
    path: Optional[str] = None
    num_frames: int = 1


def list_images(folder: str) -> List[str]:
    """All regular, non-hidden files directly in ``folder``, sorted.

    Non-image files are kept, so the caller can report them; see
    :func:`read_image`.

    Args:
        folder (str): Folder to scan (not recursive).

    Returns:
        list[str]: File paths.

    Raises:
        FileNotFoundError: If ``folder`` does not exist.
        ValueError: If it holds no file, naming the folder.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'input folder {folder!r} does not exist.')
    files = sorted(
        osp.join(folder, name)
        for name in os.listdir(folder)
        if not name.startswith('.') and osp.isfile(osp.join(folder, name))
    )
    if not files:
        raise ValueError(
            f'input folder {folder!r} is empty: put the images to run on '
            f'there ({", ".join(IMAGE_EXTENSIONS[:4])}, ..., DICOM).'
        )
    return files


def read_image(path: str) -> np.ndarray:
    """Read one image file as a BGR ``uint8`` array.

    Decoding and the rule for 16-bit data are those of the converters
    (:mod:`mmcosa.utils.image_io`), so an image gives the model the values
    it gave during training.

    A DICOM file gives its first frame, as a multi-frame TIFF or GIF does;
    :func:`read_frames` gives them all.

    Args:
        path (str): Image file.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8, BGR.

    Raises:
        FileNotFoundError: If the file does not exist.
        ImageReadError: If the file is not an image (by its extension and
            DICOM marker), cannot be opened, is empty or cannot be
            decoded; the message names the file and the reason.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'input image {path!r} does not exist.')
    if is_dicom(path):
        return next(iter(DicomImage(path)))
    ext = osp.splitext(path)[1].lower()
    if ext not in IMAGE_EXTENSIONS:
        raise ImageReadError(
            f'{path!r} is not an image file (extension {ext or "none"!r} '
            f'and no DICOM marker); expected one of '
            f'{", ".join(IMAGE_EXTENSIONS)}.'
        )
    img = read_image_uint8(path)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img


def read_frames(path: str) -> Iterator[InputFrame]:
    """Every image a file holds: one, or each frame of a DICOM file.

    The file is opened (and a DICOM header checked) by the call; DICOM
    frames are decoded one at a time as the iterator is advanced (the
    file's bytes are read whole, its decoded frames are not).

    Args:
        path (str): Image or DICOM file.

    Returns:
        Iterator[InputFrame]: The frames, first to last.

    Raises:
        FileNotFoundError: If the file does not exist.
        ImageReadError: As :func:`read_image`; while iterating, if a DICOM
            frame cannot be decoded (naming the frame).
    """
    path = str(path)
    if not osp.isfile(path) or not is_dicom(path):
        return iter([InputFrame(read_image(path), path=path)])
    dicom = DicomImage(path)
    return (
        InputFrame(img, index, dicom.regions, path, dicom.num_frames)
        for index, img in enumerate(dicom, 1)
    )
