"""Read user images of any size and mode for inference.

Every image becomes a 3-channel ``uint8`` array in BGR order, the layout
mmcv's ``LoadImageFromFile`` gives the model during training: greyscale is
replicated, an alpha channel is dropped, and data wider than 8 bits is
brought to 8 bits by the rule the converters use
(:mod:`mmcosa.utils.image_io`).
"""

import os
import os.path as osp
from typing import List

import cv2
import numpy as np

from mmcosa.utils.image_io import ImageReadError, read_image_uint8, to_bgr

__all__ = [
    'IMAGE_EXTENSIONS',
    'ImageReadError',
    'list_images',
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
)


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
            f'there ({", ".join(IMAGE_EXTENSIONS[:4])}, ...).'
        )
    return files


def read_image(path: str) -> np.ndarray:
    """Read one image file as a BGR ``uint8`` array.

    Decoding and the rule for 16-bit data are those of the converters
    (:mod:`mmcosa.utils.image_io`), so an image gives the model the values
    it gave during training.

    Args:
        path (str): Image file.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8, BGR.

    Raises:
        FileNotFoundError: If the file does not exist.
        ImageReadError: If the file is not an image (by its extension),
            cannot be opened, is empty or cannot be decoded; the message
            names the file and the reason.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'input image {path!r} does not exist.')
    ext = osp.splitext(path)[1].lower()
    if ext not in IMAGE_EXTENSIONS:
        raise ImageReadError(
            f'{path!r} is not an image file (extension {ext or "none"!r}); '
            f'expected one of {", ".join(IMAGE_EXTENSIONS)}.'
        )
    img = read_image_uint8(path)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img
