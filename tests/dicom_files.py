"""Small DICOM files made with pydicom for the tests (nothing downloaded).

Import after ``pytest.importorskip('pydicom')``.
"""

import io
from typing import Optional, Sequence

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import UID, ExplicitVRLittleEndian, UltrasoundImageStorage

#: Ultrasound Multi-frame Image Storage.
US_MULTIFRAME = UID('1.2.840.10008.5.1.4.1.1.3.1')


def ultrasound_region(
    box, deltas=(0.01, 0.01), units=(3, 3), data_type=1
) -> Dataset:
    """One item of the Sequence of Ultrasound Regions (deltas in cm)."""
    item = Dataset()
    item.RegionSpatialFormat = 1  # 2D
    item.RegionDataType = data_type  # 1: tissue
    item.RegionFlags = 0
    (
        item.RegionLocationMinX0,
        item.RegionLocationMinY0,
        item.RegionLocationMaxX1,
        item.RegionLocationMaxY1,
    ) = box
    item.PhysicalUnitsXDirection, item.PhysicalUnitsYDirection = units
    item.PhysicalDeltaX, item.PhysicalDeltaY = deltas
    return item


def make_dataset(
    pixels: np.ndarray,
    photometric: str = 'MONOCHROME2',
    frames: Optional[int] = None,
    bits_stored: Optional[int] = None,
    syntax: str = ExplicitVRLittleEndian,
    pixel_data: Optional[bytes] = None,
    regions: Sequence[Dataset] = (),
) -> Dataset:
    """A US image data set holding ``pixels`` (``(F, H, W[, 3])`` when
    ``frames`` is given, else ``(H, W[, 3])``) stored as they are."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = UID(syntax)
    sop_class = US_MULTIFRAME if frames else UltrasoundImageStorage
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = UID('1.2.3.4.5.6')
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = 'US'
    shape = pixels.shape[1:] if frames else pixels.shape
    if frames:
        ds.NumberOfFrames = frames
    ds.Rows, ds.Columns = shape[:2]
    ds.SamplesPerPixel = 3 if len(shape) == 3 else 1
    if ds.SamplesPerPixel == 3:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = 8 * pixels.dtype.itemsize
    ds.BitsStored = bits_stored or ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = int(np.issubdtype(pixels.dtype, np.signedinteger))
    ds.PixelData = pixels.tobytes() if pixel_data is None else pixel_data
    if regions:
        ds.SequenceOfUltrasoundRegions = list(regions)
    return ds


def save(ds: Dataset, path) -> str:
    """Write ``ds`` as a DICOM file (preamble and ``DICM`` marker)."""
    private = not ds.file_meta.TransferSyntaxUID.is_transfer_syntax
    encoding = dict(implicit_vr=False, little_endian=True) if private else {}
    ds.save_as(str(path), enforce_file_format=True, **encoding)
    return str(path)


def write_dicom(path, pixels: np.ndarray, **kwargs) -> str:
    """:func:`make_dataset` written to ``path``."""
    return save(make_dataset(pixels, **kwargs), path)


def rgb_to_ybr_full(rgb: np.ndarray) -> np.ndarray:
    """YBR_FULL of 8-bit RGB by the DICOM formula (PS3.3 C.7.6.3.1.2)."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    ybr = np.stack([y, cb, cr], -1)
    return np.clip(np.round(ybr), 0, 255).astype(np.uint8)


def ybr_full_422_bytes(ybr: np.ndarray) -> bytes:
    """YBR_FULL_422 storage (Y1 Y2 Cb Cr per pixel pair) of ``ybr`` whose
    chroma is equal within each horizontal pair of pixels."""
    pairs = ybr.reshape(ybr.shape[0], -1, 2, 3)
    assert (pairs[:, :, 0, 1:] == pairs[:, :, 1, 1:]).all()
    out = np.stack(
        [
            pairs[..., 0, 0],
            pairs[..., 1, 0],
            pairs[..., 0, 1],
            pairs[..., 0, 2],
        ],
        -1,
    )
    return out.tobytes()


def jpeg_pixel_data(frames: Sequence[np.ndarray], **save_kwargs) -> bytes:
    """JPEG Baseline frames (Pillow) encapsulated for Pixel Data."""
    encoded = []
    for frame in frames:
        buf = io.BytesIO()
        Image.fromarray(frame).save(buf, format='JPEG', **save_kwargs)
        encoded.append(buf.getvalue())
    return encapsulate(encoded)


def smooth_rgb(h: int = 16, w: int = 24) -> np.ndarray:
    """An RGB gradient (lossy codecs keep it close)."""
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack(
        [xx * 10 % 256, yy * 12 % 256, (255 - xx * 5 - yy * 4) % 256], -1
    ).astype(np.uint8)
