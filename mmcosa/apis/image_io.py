"""Read user images of any size and mode for inference.

Every image becomes a 3-channel ``uint8`` array in BGR order, the layout
mmcv's ``LoadImageFromFile`` gives the model during training: greyscale is
replicated, an alpha channel is dropped, 16-bit data is scaled to 8 bits.
"""

import os
import os.path as osp
from typing import List

import cv2
import numpy as np

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


class ImageReadError(ValueError):
    """An input file is not an image or cannot be read."""


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
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as err:
        raise ImageReadError(
            f'cannot open {path!r}: {err.strerror or err}.'
        ) from err
    if not data:
        raise ImageReadError(f'{path!r} is an empty file (0 bytes).')
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        img = _read_with_pillow(path)
    if img is None or img.size == 0:
        raise ImageReadError(
            f'cannot decode {path!r}: the file is corrupt or not a '
            f'{ext} image.'
        )
    # cv2 decodes colour as BGR(A); Pillow's fallback is converted below.
    return to_bgr(img, channel_order='bgr', name=path)


def _read_with_pillow(path: str):
    """Pillow fallback for formats OpenCV cannot decode (e.g. GIF)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as pil:
            pil.seek(0)
            rgb = np.asarray(pil.convert('RGB'))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return rgb[..., ::-1].copy()


def to_bgr(
    img: np.ndarray, channel_order: str = 'rgb', name: str = 'array'
) -> np.ndarray:
    """Convert an image array of any common mode to BGR ``uint8``.

    Args:
        img (np.ndarray): ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or
            ``(H, W, 4)``; ``uint8``, ``uint16`` (scaled by 1/257), bool, or
            float in [0, 1] (scaled by 255) or [0, 255].
        channel_order (str): ``'rgb'`` or ``'bgr'``, the order of a colour
            input. Defaults to ``'rgb'`` (PIL, matplotlib, scikit-image).
        name (str): Name used in error messages.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8, BGR.

    Raises:
        ImageReadError: For an unsupported shape or dtype.
        ValueError: For an unknown ``channel_order``.
    """
    if channel_order not in ('rgb', 'bgr'):
        raise ValueError(
            f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}."
        )
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (
        img.ndim == 3 and img.shape[2] not in (3, 4)
    ):
        raise ImageReadError(
            f'{name}: unsupported image shape {img.shape}; expected (H, W), '
            f'(H, W, 1), (H, W, 3) or (H, W, 4).'
        )
    if min(img.shape[:2]) < 1:
        raise ImageReadError(f'{name}: image has no pixels {img.shape}.')
    img = _to_uint8(img, name)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        img = img[..., :3]
    if channel_order == 'rgb':
        img = img[..., ::-1]
    return np.ascontiguousarray(img)


def _to_uint8(img: np.ndarray, name: str) -> np.ndarray:
    if img.dtype == np.uint8:
        return img
    if img.dtype == bool:
        return img.astype(np.uint8) * 255
    if img.dtype == np.uint16:
        return (img // 257).astype(np.uint8)
    if np.issubdtype(img.dtype, np.floating):
        finite = img[np.isfinite(img)]
        scale = 255.0 if finite.size and finite.max() <= 1.0 else 1.0
        return (
            np.clip(np.nan_to_num(img) * scale, 0, 255)
            .round()
            .astype(np.uint8)
        )
    if np.issubdtype(img.dtype, np.integer):
        return np.clip(img, 0, 255).astype(np.uint8)
    raise ImageReadError(f'{name}: unsupported dtype {img.dtype}.')
