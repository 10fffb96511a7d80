"""The one image reader of mmcosa: converters and inference both use it.

A raw image is decoded by Pillow (OpenCV for what Pillow cannot read: 16-bit
colour PNGs, some TIFFs) and brought to 8 bits by one rule, so the
prepared PNGs the models train on and the images ``tools/infer.py`` reads
hold the same values for the same file.

**Rule for data wider than 8 bits** (16-bit PNG / TIFF, 32-bit integer
TIFF): ``value * 255 / (2**b - 1)``, rounded, where ``b`` is the bit depth
the data uses:

1. the PNG ``sBIT`` chunk (significant bits) when the file has one and the
   values fit in it;
2. else the smallest of 8, 10, 12, 14, 16 bits (then the next even number)
   that holds the image's largest value.

A 12-bit scan (0..4095) and a full-range 16-bit image both span 0..255;
8-bit values stored in a 16-bit file keep their values. Floating-point
images in [0, 1] are scaled by 255, others are clipped to [0, 255]; a 1-bit
image becomes 0 / 255. Alpha is dropped (scans are opaque), palette and
CMYK images become RGB, the first frame of a multi-frame file is read, and
EXIF orientation is not applied (as in the prepared folders).
"""

import io
import os.path as osp
import struct
from typing import Optional

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = [
    'ImageReadError',
    'read_image_uint8',
    'to_bgr',
    'to_uint8',
]

#: Bit depths tried, smallest first, for data wider than 8 bits.
BIT_DEPTHS = (8, 10, 12, 14, 16)
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_16BIT_INTS = ('I;16', 'I;16B', 'I;16L', 'I;16N')
_BOMB = Image.DecompressionBombError


class ImageReadError(ValueError):
    """An input file is not an image or cannot be read."""


def _png_header(data: bytes) -> Optional[tuple]:
    """``(bit depth, colour type, sBIT or None)`` of PNG ``data``."""
    if not data.startswith(_PNG_SIGNATURE) or len(data) < 33:
        return None
    depth, colour = data[24], data[25]
    pos, sbit = 8, None
    while pos + 8 <= len(data):
        length, kind = struct.unpack('>I4s', data[pos : pos + 8])
        if kind in (b'IDAT', b'IEND'):
            break
        if kind == b'sBIT':
            body = data[pos + 8 : pos + 8 + length]
            # grey+alpha (4) and RGBA (6) list alpha last: leave it out.
            colours = body[:-1] if colour in (4, 6) else body
            sbit = max(colours) if colours else None
        pos += 12 + length
    return depth, colour, sbit


def _decode_with_pillow(data: bytes, name: str) -> Optional[np.ndarray]:
    """Stored values as (H, W) or (H, W, 3) BGR; None if not identified."""
    try:
        pil = Image.open(io.BytesIO(data))
        pil.load()
    except UnidentifiedImageError:
        return None
    except (OSError, SyntaxError, ValueError, _BOMB) as e:
        raise ImageReadError(
            f'cannot decode {name!r}: the file is truncated or corrupt '
            f'({type(e).__name__}: {e}).'
        ) from e
    mode = pil.mode
    if mode in _16BIT_INTS:
        return np.asarray(pil).astype(np.uint16)
    if mode in ('I', 'F', 'L'):
        return np.asarray(pil)
    if mode == 'LA':
        return np.asarray(pil)[..., 0]
    if mode == '1':
        return np.asarray(pil.convert('L'))
    rgb = np.asarray(pil if mode == 'RGB' else pil.convert('RGB'))
    return np.ascontiguousarray(rgb[..., ::-1])


def _decode_with_opencv(data: bytes, name: str) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None or img.size == 0:
        ext = osp.splitext(name)[1] or 'image'
        raise ImageReadError(
            f'cannot decode {name!r}: the file is corrupt or not a {ext} '
            f'image.'
        )
    if img.ndim == 3 and img.shape[2] == 4:
        img = img[..., :3]
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    return img


def read_image_uint8(path: str) -> np.ndarray:
    """Read an image file as 8-bit data by the module's rule.

    Args:
        path (str): The image file.

    Returns:
        np.ndarray: ``(H, W)`` grey or ``(H, W, 3)`` BGR, uint8.

    Raises:
        FileNotFoundError: If the file does not exist.
        ImageReadError: If it cannot be opened, is empty or cannot be
            decoded; the message names the file and the reason.
    """
    path = str(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'input image {path!r} does not exist.')
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as err:
        raise ImageReadError(
            f'cannot open {path!r}: {err.strerror or err}.'
        ) from err
    if not data:
        raise ImageReadError(f'{path!r} is an empty file (0 bytes).')
    png = _png_header(data)
    if png is not None and png[0] == 16 and png[1] in (2, 6):
        img = _decode_with_opencv(data, path)  # Pillow keeps 8 of 16 bits
    else:
        img = _decode_with_pillow(data, path)
        if img is None:
            img = _decode_with_opencv(data, path)
    if min(img.shape[:2], default=0) < 1:
        raise ImageReadError(f'{path!r}: image has no pixels {img.shape}.')
    return to_uint8(img, path, bits=png[2] if png else None)


def _bit_depth(top: int, bits: Optional[int]) -> int:
    if bits is not None and 8 < bits <= 32 and top < 2**bits:
        return bits
    for depth in BIT_DEPTHS:
        if top < 2**depth:
            return depth
    width = int(top).bit_length()
    return width + width % 2


def to_uint8(
    img: np.ndarray, name: str = 'array', bits: Optional[int] = None
) -> np.ndarray:
    """Bring image data of any dtype to uint8 by the module's rule.

    Args:
        img (np.ndarray): Image data, any shape.
        name (str): Name used in error messages.
        bits (int, optional): Significant bits of integer data when known
            (PNG ``sBIT``); used if every value fits.

    Returns:
        np.ndarray: uint8 array of the same shape.

    Raises:
        ImageReadError: For negative integers or an unsupported dtype.
    """
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img
    if img.dtype == bool:
        return img.astype(np.uint8) * 255
    if np.issubdtype(img.dtype, np.integer):
        if img.size and img.min() < 0:
            raise ImageReadError(
                f'{name}: negative pixel values ({img.min()}); expected '
                f'unsigned intensities.'
            )
        top = int(img.max(initial=0))
        depth = _bit_depth(top, bits)
        if depth == 8:
            return img.astype(np.uint8)
        scaled = img.astype(np.float64) * (255.0 / (2**depth - 1))
        return np.round(scaled).astype(np.uint8)
    if np.issubdtype(img.dtype, np.floating):
        finite = img[np.isfinite(img)]
        scale = 255.0 if finite.size and finite.max() <= 1.0 else 1.0
        return (
            np.clip(np.nan_to_num(img) * scale, 0, 255)
            .round()
            .astype(np.uint8)
        )
    raise ImageReadError(f'{name}: unsupported dtype {img.dtype}.')


def to_bgr(
    img: np.ndarray, channel_order: str = 'rgb', name: str = 'array'
) -> np.ndarray:
    """Convert an image array of any common mode to BGR ``uint8``.

    Args:
        img (np.ndarray): ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or
            ``(H, W, 4)``; uint8, wider integers, bool or float, brought to
            8 bits by :func:`to_uint8`.
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
    if img.ndim == 3:
        img = img[..., :3]
    img = to_uint8(img, name)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if channel_order == 'rgb':
        img = img[..., ::-1]
    return np.ascontiguousarray(img)
