"""Reading raw BUS images and masks, whatever PNG mode they are stored in.

BUSI stores its masks in mixed modes (1-bit, 8-bit grey, RGB and RGBA);
UDIAT stores 8-bit grey. Images are decoded by mmcosa's one image reader
(:mod:`mmcosa.utils.image_io`, shared with ``tools/infer.py``), which also
fixes the rule for 16-bit data, and written as real 8-bit PNGs. Every
reader here raises
:class:`~mmcosa.datasets.converters.errors.ConversionError` with a message
naming the file and the fix, never a bare PIL traceback.
"""

import shutil
import struct
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from mmcosa.utils.image_io import ImageReadError, read_image_uint8, to_uint8

from .errors import ConversionError

__all__ = [
    'IMAGE_SUFFIXES',
    'SYSTEM_FILES',
    'is_system_file',
    'read_image',
    'read_binary_mask',
    'write_image',
    'write_mask',
]

#: File suffixes read as images (case-insensitive).
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
#: Files that operating systems drop into folders; skipped silently.
SYSTEM_FILES = ('.ds_store', 'thumbs.db', 'desktop.ini')

_SKIP_HINT = 'or pass --skip-bad to leave this image out'


def is_system_file(path: Path) -> bool:
    """Whether ``path`` is an OS artefact (``.DS_Store``, ``._x``, ...)."""
    name = path.name.lower()
    return name in SYSTEM_FILES or name.startswith('.')


def _open(path: Path, what: str) -> Image.Image:
    try:
        img = Image.open(path)
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise ConversionError(
            f'{path}: cannot be read as an {what} ({type(e).__name__}: '
            f'{e}). Replace it with the file from the original download, '
            f'delete it, {_SKIP_HINT}.'
        ) from e
    return img


def read_image(path: Path) -> Image.Image:
    """Decode an image file to 8 bits, as inference reads it.

    Args:
        path (Path): The image file.

    Returns:
        PIL.Image.Image: Mode ``'L'`` for grey data, else ``'RGB'`` (alpha
        dropped, palette / CMYK converted, data wider than 8 bits scaled by
        the rule of :mod:`mmcosa.utils.image_io`).

    Raises:
        ConversionError: If the file is missing, truncated or not an image.
    """
    path = Path(path)
    try:
        arr = read_image_uint8(str(path))
    except (ImageReadError, OSError) as e:
        raise ConversionError(
            f'{path}: cannot be read as an image ({e}). Replace it with the '
            f'file from the original download, delete it, {_SKIP_HINT}.'
        ) from e
    if arr.ndim == 2:
        return Image.fromarray(arr, 'L')
    return Image.fromarray(np.ascontiguousarray(arr[..., ::-1]), 'RGB')


def _check_values(arr: np.ndarray, top: int, path: Path, mode: str) -> None:
    ok = (arr == 0) | (arr == top)
    if not ok.all():
        bad = np.unique(arr[~ok])
        shown = ', '.join(str(v) for v in bad[:5])
        more = ', ...' if bad.size > 5 else ''
        raise ConversionError(
            f'{path}: mask (mode {mode!r}) has values {{{shown}{more}}} '
            f'besides 0 and {top}; a mask must be black (0) background and '
            f'white ({top}) tumour. Re-export it losslessly as 0/255 '
            f'(JPEG or anti-aliased masks are not binary), {_SKIP_HINT}.'
        )


def read_binary_mask(path: Path) -> np.ndarray:
    """Read a 0/255 mask stored in any PNG mode as a boolean array.

    Modes: ``'1'`` (1-bit) as is; ``'L'``, ``'RGB'`` and palette ``'P'``
    need every value in {0, 255} and, for colour, equal channels (black or
    white pixels only); ``'LA'`` / ``'RGBA'`` use the colour channels, or
    the alpha channel when the colour is black everywhere and the alpha
    varies (masks painted into transparency; an opaque black mask is
    empty); 16-bit modes accept {0, 255} or {0, 65535}.

    Args:
        path (Path): The mask file.

    Returns:
        np.ndarray: Boolean array of shape (H, W), True on the tumour.

    Raises:
        ConversionError: If the file cannot be read or is not binary.
    """
    path = Path(path)
    img = _open(path, 'mask')
    mode = img.mode
    if mode == '1':
        return np.asarray(img, dtype=bool)
    if mode == 'P':
        img = img.convert('RGBA')
    if mode == 'CMYK':
        img = img.convert('RGB')
    arr = np.asarray(img)
    if img.mode in ('LA', 'RGBA'):
        colour, alpha = arr[..., :-1], arr[..., -1]
        painted = alpha.min() != alpha.max()
        arr = alpha if (painted and not colour.any()) else colour
    if arr.dtype == np.uint8 or arr.dtype == bool:
        top = 255
    else:
        top = 65535 if arr.max(initial=0) > 255 else 255
    _check_values(arr, top, path, mode)
    if arr.ndim == 3:
        if not (arr == arr[..., :1]).all():
            raise ConversionError(
                f'{path}: mask (mode {mode!r}) has coloured pixels (its '
                f'channels differ); a mask must hold only black and white. '
                f'Re-export it as a black/white mask, {_SKIP_HINT}.'
            )
        arr = arr[..., 0]
    return arr > 0


def _is_plain_png(path: Path, mode: str) -> bool:
    """Whether ``path`` is an 8-bit PNG of colour type ``mode`` (L / RGB)
    that every reader decodes to the same pixels.

    Reads the signature and the IHDR chunk (bit depth at byte 24, colour
    type at byte 25: 0 grey, 2 RGB), then the chunk headers up to the
    image data: a file with an ``eXIf`` chunk is not plain, since OpenCV
    (hence mmcv's ``LoadImageFromFile``) applies its orientation when
    training while masks and inference do not.
    """
    colour = {'L': 0, 'RGB': 2}.get(mode)
    try:
        with open(path, 'rb') as f:
            head = f.read(33)
            if (
                len(head) < 33
                or head[:8] != b'\x89PNG\r\n\x1a\n'
                or head[12:16] != b'IHDR'
                or head[24] != 8
                or head[25] != colour
            ):
                return False
            while True:
                chunk = f.read(8)
                if len(chunk) < 8:
                    return False
                length, kind = struct.unpack('>I4s', chunk)
                if kind == b'eXIf':
                    return False
                if kind == b'IDAT':
                    return True
                f.seek(length + 4, 1)  # data and CRC
    except OSError:
        return False


def write_image(img: Image.Image, src: Path, dst: Path) -> None:
    """Write an image as a real 8-bit PNG.

    A raw file named ``.png`` may hold JPEG bytes or a 16-bit image; the
    prepared folder gets a PNG whose pixels are what :func:`read_image`
    decoded. A raw file that already is an 8-bit grey or RGB PNG is copied
    byte for byte (same pixels, no encoding cost).

    Args:
        img (PIL.Image.Image): The image from :func:`read_image`; other
            modes are brought to 8-bit ``'L'`` / ``'RGB'`` by the same rule.
        src (Path): The file it was read from, named in errors.
        dst (Path): The ``.png`` file to write.

    Raises:
        ConversionError: If ``img`` cannot be brought to 8 bits.
    """
    if img.mode in ('I', 'F') or img.mode.startswith('I;16'):
        try:
            arr = to_uint8(np.asarray(img), str(src))
        except ImageReadError as e:
            raise ConversionError(f'{src}: {e}') from e
        img = Image.fromarray(arr, 'L')
    elif img.mode == 'LA':
        img = img.getchannel('L')
    elif img.mode not in ('L', 'RGB'):
        img = img.convert('RGB')
    elif _is_plain_png(src, img.mode):
        # an 8-bit grey or RGB PNG already is what we would write: copy
        # its bytes (encoding costs ~0.1 s per BUSI image)
        shutil.copyfile(src, dst)
        return
    img.save(dst, format='PNG', compress_level=1)


def write_mask(mask: np.ndarray, dst: Path) -> None:
    """Write a boolean mask as a {0, 1} uint8 ``'L'`` PNG.

    Args:
        mask (np.ndarray): Boolean array of shape (H, W).
        dst (Path): The ``.png`` file to write.
    """
    Image.fromarray(mask.astype(np.uint8)).save(dst, format='PNG')
