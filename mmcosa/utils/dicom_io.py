"""Read DICOM images frame by frame, with their ultrasound regions.

pydicom is imported when a DICOM file is opened, so ``import mmcosa`` works
without it; opening a file without pydicom raises :class:`ImageReadError`
saying ``pip install pydicom``.

A file is DICOM when its name ends in ``.dcm`` / ``.dicom`` or when it has
the ``DICM`` marker at byte 128 (PACS exports often have no extension).
Every frame becomes a 3-channel ``uint8`` BGR array, as
:mod:`mmcosa.utils.image_io` gives for other images:

- pydicom decodes the pixel data (natively encoded data, RLE Lossless,
  JPEG Baseline / Extended and JPEG 2000 through Pillow, and whatever other
  plugins are installed). A transfer syntax no installed plugin decodes
  (JPEG-LS, JPEG Lossless, HTJ2K without pylibjpeg, pyjpegls or gdcm) is
  refused when the file is opened, naming the syntax and what to install.
- Photometric interpretation: ``MONOCHROME2`` as is; ``MONOCHROME1`` is
  inverted (its 0 is white); ``RGB``; ``YBR_FULL`` / ``YBR_FULL_422`` and
  JPEG 2000's ``YBR_ICT`` / ``YBR_RCT`` are converted to RGB by pydicom;
  ``PALETTE COLOR`` goes through its lookup table.
- Bit depth: the project's one rule (:func:`~mmcosa.utils.image_io.
  to_uint8`) with *Bits Stored* as the significant bits, i.e.
  ``value * 255 / (2**BitsStored - 1)``, rounded: a 12-bit frame's
  0..4095 spans 0..255, 8-bit data keeps its values. Signed data
  (*Pixel Representation* 1) is first shifted by ``2**(BitsStored - 1)``
  so its minimum is 0. A palette's entries are scaled by the table's own
  bit depth. Window / level (VOI LUT) is not applied: ultrasound stores
  display values.
"""

import os.path as osp
import re
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

import cv2
import numpy as np

from .image_io import ImageReadError, to_uint8

__all__ = [
    'DICOM_EXTENSIONS',
    'PHYSICAL_UNITS',
    'DicomImage',
    'UltrasoundRegion',
    'has_dicom_marker',
    'is_dicom',
]

#: File name endings read as DICOM (besides files with the marker).
DICOM_EXTENSIONS = ('.dcm', '.dicom')
#: Names of the codes of Physical Units X/Y Direction (0018,6024/6026).
PHYSICAL_UNITS = {
    0: 'none',
    1: 'percent',
    2: 'dB',
    3: 'cm',
    4: 'seconds',
    5: 'hertz',
    6: 'dB/seconds',
    7: 'cm/sec',
    8: 'cm2',
    9: 'cm2/sec',
    10: 'cm3',
    11: 'cm3/sec',
    12: 'degrees',
}
_PHOTOMETRIC = (
    'MONOCHROME1',
    'MONOCHROME2',
    'RGB',
    'YBR_FULL',
    'YBR_FULL_422',
    'YBR_ICT',
    'YBR_RCT',
    'PALETTE COLOR',
)
#: pip names of pydicom plugins whose import name differs.
_PIP_NAMES = {'gdcm': 'python-gdcm'}


def has_dicom_marker(path: str) -> bool:
    """Whether ``path`` has the ``DICM`` marker at byte 128."""
    try:
        with open(path, 'rb') as f:
            f.seek(128)
            return f.read(4) == b'DICM'
    except OSError:
        return False


def is_dicom(path: str) -> bool:
    """Whether ``path`` is read as DICOM: by its extension or its marker."""
    ext = osp.splitext(str(path))[1].lower()
    return ext in DICOM_EXTENSIONS or has_dicom_marker(str(path))


@dataclass(frozen=True)
class UltrasoundRegion:
    """One item of the Sequence of Ultrasound Regions (0018,6011).

    Attributes:
        box (tuple[int]): ``(x0, y0, x1, y1)``, Region Location Min X0 /
            Min Y0 / Max X1 / Max Y1, pixel columns and rows, inclusive.
        units (tuple): Physical Units X / Y Direction codes (3 is cm; see
            :data:`PHYSICAL_UNITS`), None where missing.
        deltas (tuple): Physical Delta X / Y, the physical size of one
            pixel in those units, None where missing.
    """

    box: Tuple[int, int, int, int]
    units: Tuple[Optional[int], Optional[int]] = (None, None)
    deltas: Tuple[Optional[float], Optional[float]] = (None, None)

    def holds(self, box: Tuple[int, int, int, int]) -> bool:
        """Whether the inclusive ``(x0, y0, x1, y1)`` box lies inside."""
        x0, y0, x1, y1 = self.box
        return x0 <= box[0] and y0 <= box[1] and box[2] <= x1 and box[3] <= y1

    def overlaps(self, box: Tuple[int, int, int, int]) -> bool:
        """Whether the inclusive ``(x0, y0, x1, y1)`` box meets this one."""
        x0, y0, x1, y1 = self.box
        return box[0] <= x1 and x0 <= box[2] and box[1] <= y1 and y0 <= box[3]

    @property
    def problem(self) -> str:
        """Why the region gives no size in mm; ``''`` when it does."""
        if self.units != (3, 3):
            names = ' / '.join(
                f'{u} ({PHYSICAL_UNITS.get(u, "unknown")})'
                if u is not None
                else 'missing'
                for u in self.units
            )
            return f'region units (x / y) are {names}, not 3 (cm)'
        if not all(d is not None and d > 0 for d in self.deltas):
            return (
                f'region physical deltas (x / y) {self.deltas[0]} / '
                f'{self.deltas[1]} are not positive'
            )
        return ''

    @property
    def pixel_size_mm(self) -> Optional[Tuple[float, float]]:
        """``(dy, dx)`` of one pixel in mm, None when :attr:`problem`."""
        if self.problem:
            return None
        return float(self.deltas[1]) * 10.0, float(self.deltas[0]) * 10.0


def _number(item, keyword: str, kind=float):
    value = item.get(keyword, None)
    try:
        return None if value is None or value == '' else kind(value)
    except (TypeError, ValueError):
        return None


def _read_regions(ds) -> Tuple[UltrasoundRegion, ...]:
    regions = []
    for item in ds.get('SequenceOfUltrasoundRegions', None) or []:
        box = tuple(
            _number(item, f'RegionLocation{k}', int)
            for k in ('MinX0', 'MinY0', 'MaxX1', 'MaxY1')
        )
        if None in box:
            continue  # a region without a location holds nothing
        units = tuple(
            _number(item, f'PhysicalUnits{a}Direction', int) for a in 'XY'
        )
        deltas = tuple(_number(item, f'PhysicalDelta{a}') for a in 'XY')
        regions.append(UltrasoundRegion(box, units, deltas))
    return tuple(regions)


def _install_hint(decoder) -> str:
    """``pip install ...`` alternatives from pydicom's missing plugins."""
    hints = []
    for line in decoder.missing_dependencies:
        # pydicom writes 'plugin - requires pkg>=1.0 and other>=2.0'
        match = re.match(r'\s*\S+\s+-\s+requires\s+(.+)$', line)
        if match is None:
            hints.append(line)
            continue
        pkgs = []
        for req in match.group(1).split(' and '):
            name = re.split(r'[<>=!~ ]', req.strip(), maxsplit=1)[0]
            if name != 'numpy':
                pkgs.append(
                    req.strip().replace(name, _PIP_NAMES.get(name, name))
                )
        hints.append('pip install ' + ' '.join(pkgs))
    return ' | '.join(hints) or 'a pydicom pixel data plugin'


def _pydicom():
    try:
        import pydicom
    except ImportError as err:
        raise ImportError(
            'reading DICOM files needs pydicom: pip install pydicom'
        ) from err
    return pydicom


class DicomImage:
    """A DICOM file opened for reading its frames one by one.

    Opening reads and checks the header (pixel data present, photometric
    interpretation and transfer syntax supported, a plugin to decode it);
    the frames are decoded when iterated.

    Args:
        path (str): The DICOM file.

    Attributes:
        path (str): The file.
        num_frames (int): Number of Frames (1 for a single-frame file).
        regions (tuple[UltrasoundRegion]): Its ultrasound regions, empty
            when the file has none.
        photometric (str): Photometric Interpretation as stored.
        transfer_syntax (str): Name of the transfer syntax.

    Raises:
        FileNotFoundError: If the file does not exist.
        ImageReadError: If pydicom is missing, the file is not DICOM, is
            corrupt, has no pixel data, or holds a photometric
            interpretation or transfer syntax that cannot be decoded; the
            message names the file and the reason.
    """

    def __init__(self, path: str) -> None:
        self.path = str(path)
        if not osp.isfile(self.path):
            raise FileNotFoundError(
                f'input image {self.path!r} does not exist.'
            )
        try:
            pydicom = _pydicom()
        except ImportError as err:
            raise ImageReadError(f'{self.path!r}: {err}.') from err
        self._ds = ds = self._read_dataset(pydicom)
        pixel_keys = ('PixelData', 'FloatPixelData', 'DoubleFloatPixelData')
        if not any(key in ds for key in pixel_keys):
            raise ImageReadError(
                f'{self.path!r} is a DICOM file without pixel data (a '
                'report or other non-image object, or a file cut short).'
            )
        self.photometric = str(ds.get('PhotometricInterpretation', ''))
        if self.photometric not in _PHOTOMETRIC:
            raise ImageReadError(
                f'{self.path!r}: photometric interpretation '
                f'{self.photometric or "missing"!r} is not supported; '
                f'expected one of {", ".join(_PHOTOMETRIC)}.'
            )
        self._decoder = self._find_decoder(pydicom)
        self.num_frames = max(1, _number(ds, 'NumberOfFrames', int) or 1)
        self.regions = _read_regions(ds)

    def _read_dataset(self, pydicom):
        errors = (pydicom.errors.InvalidDicomError, EOFError, OSError)
        try:
            return pydicom.dcmread(self.path)
        except errors as err:
            reason = str(err)
            if has_dicom_marker(self.path):
                raise ImageReadError(
                    f'cannot read DICOM file {self.path!r}: it is truncated '
                    f'or corrupt ({type(err).__name__}: {reason}).'
                ) from err
        except Exception as err:  # pydicom raises many kinds on bad bytes
            raise ImageReadError(
                f'cannot read DICOM file {self.path!r}: it is truncated or '
                f'corrupt ({type(err).__name__}: {err}).'
            ) from err
        # A .dcm name without the marker: a bare data set, or not DICOM.
        try:
            ds = pydicom.dcmread(self.path, force=True)
            if 'Rows' in ds and 'Columns' in ds:
                return ds
        except Exception:  # reported below as not DICOM
            pass
        raise ImageReadError(
            f'{self.path!r} is not a DICOM file: no DICM marker at byte 128 '
            f'and no image data set ({reason}).'
        )

    def _find_decoder(self, pydicom):
        ds = self._ds
        meta = getattr(ds, 'file_meta', None)
        uid = meta.get('TransferSyntaxUID', None) if meta else None
        if uid is None:  # a bare data set: the syntax it was read with
            implicit, little = getattr(ds, 'original_encoding', (True, True))
            uid = (
                pydicom.uid.ImplicitVRLittleEndian
                if implicit
                else pydicom.uid.ExplicitVRLittleEndian
                if little
                else pydicom.uid.ExplicitVRBigEndian
            )
            if meta is None:
                ds.file_meta = meta = pydicom.dataset.FileMetaDataset()
            meta.TransferSyntaxUID = uid
        uid = pydicom.uid.UID(str(uid))
        self.transfer_syntax = uid.name
        try:
            decoder = pydicom.pixels.get_decoder(uid)
        except NotImplementedError as err:
            raise ImageReadError(
                f'cannot decode {self.path!r}: pydicom has no decoder for '
                f'its transfer syntax {uid.name} ({uid}).'
            ) from err
        if not decoder.is_available:
            raise ImageReadError(
                f'cannot decode {self.path!r}: its pixel data is compressed '
                f'as {uid.name} ({uid}) and no installed pydicom plugin '
                f'decodes it; install one of: {_install_hint(decoder)}.'
            )
        return decoder

    def __len__(self) -> int:
        return self.num_frames

    def __iter__(self) -> Iterator[np.ndarray]:
        """Yield each frame as ``(H, W, 3)`` uint8 BGR, first to last.

        Raises:
            ImageReadError: If a frame cannot be decoded, naming the file
                and the frame (counted from 1).
        """
        frames = self._decoder.iter_array(self._ds, as_rgb=True)
        index = 0
        while True:
            try:
                arr, meta = next(frames)
            except StopIteration:
                return
            except Exception as err:  # decoder plugins raise many kinds
                raise ImageReadError(
                    f'cannot decode frame {index + 1} of {self.num_frames} '
                    f'of {self.path!r} ({self.transfer_syntax}): '
                    f'{type(err).__name__}: {err}'
                ) from err
            index += 1
            yield self._to_bgr(arr, meta)

    def _to_bgr(self, arr: np.ndarray, meta: dict) -> np.ndarray:
        ds = self._ds
        photometric = str(meta.get('photometric_interpretation', ''))
        bits = int(meta.get('bits_stored', 0) or ds.get('BitsStored', 8))
        if photometric == 'PALETTE COLOR':
            arr = self._apply_palette(arr)
            bits, photometric = 8 * arr.dtype.itemsize, 'RGB'
        elif np.issubdtype(arr.dtype, np.signedinteger):
            arr = arr.astype(np.int64) + 2 ** (bits - 1)
        img = to_uint8(arr, self.path, bits=bits)
        if photometric == 'MONOCHROME1':
            img = 255 - img
        if img.ndim == 2:
            return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        if photometric != 'RGB' or img.shape[2] != 3:
            raise ImageReadError(
                f'{self.path!r}: decoded {photometric} data of shape '
                f'{img.shape} cannot be shown as RGB.'
            )
        return np.ascontiguousarray(img[..., ::-1])

    def _apply_palette(self, arr: np.ndarray) -> np.ndarray:
        from pydicom.pixels import apply_color_lut

        try:
            return apply_color_lut(arr, self._ds)
        except Exception as err:  # missing or malformed lookup tables
            raise ImageReadError(
                f'{self.path!r}: its PALETTE COLOR lookup table cannot be '
                f'applied ({type(err).__name__}: {err}).'
            ) from err
