"""DICOM frames as the model's BGR uint8, and every refusal branch."""

import io
import sys

import numpy as np
import pytest
from PIL import Image

pytest.importorskip('pydicom')

from pydicom.encaps import encapsulate  # noqa: E402
from pydicom.pixels import get_decoder  # noqa: E402
from pydicom.uid import (  # noqa: E402
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
)

from mmcosa.utils.dicom_io import (  # noqa: E402
    DicomImage,
    UltrasoundRegion,
    has_dicom_marker,
    is_dicom,
)
from mmcosa.utils.image_io import ImageReadError  # noqa: E402

from ..dicom_files import (  # noqa: E402
    jpeg_pixel_data,
    make_dataset,
    rgb_to_ybr_full,
    save,
    smooth_rgb,
    ultrasound_region,
    write_dicom,
    ybr_full_422_bytes,
)

RNG = np.random.default_rng(0)


def _frames(path):
    return list(DicomImage(str(path)))


def _grey(img):
    """The one channel of a grey BGR frame (all three equal)."""
    assert (img[..., 0] == img[..., 1]).all()
    assert (img[..., 0] == img[..., 2]).all()
    return img[..., 0]


def test_monochrome2_and_monochrome1(tmp_path):
    grey = RNG.integers(0, 256, (5, 7), np.uint8)
    (img,) = _frames(write_dicom(tmp_path / 'm2.dcm', grey))
    assert img.shape == (5, 7, 3) and img.dtype == np.uint8
    np.testing.assert_array_equal(_grey(img), grey)
    path = write_dicom(tmp_path / 'm1.dcm', grey, photometric='MONOCHROME1')
    np.testing.assert_array_equal(_grey(_frames(path)[0]), 255 - grey)


def test_12_bits_stored_follow_the_rule(tmp_path):
    scan = RNG.integers(0, 4096, (4, 6)).astype(np.uint16)
    scan[0, 0] = 1000  # a dark frame would still be scaled by 12 bits
    path = write_dicom(tmp_path / 'b12.dcm', scan, bits_stored=12)
    expected = np.round(scan * (255 / 4095)).astype(np.uint8)
    np.testing.assert_array_equal(_grey(_frames(path)[0]), expected)
    dark = np.full((2, 2), 1000, np.uint16)
    path = write_dicom(tmp_path / 'dark.dcm', dark, bits_stored=12)
    assert _frames(path)[0].max() == round(1000 * 255 / 4095)


def test_signed_pixels_are_shifted_to_unsigned(tmp_path):
    signed = np.array([[-2048, -1, 0, 2047]], np.int16)
    path = write_dicom(tmp_path / 's12.dcm', signed, bits_stored=12)
    expected = np.round((signed + 2048) * (255 / 4095)).astype(np.uint8)
    np.testing.assert_array_equal(_grey(_frames(path)[0]), expected)
    assert expected.tolist() == [[0, 127, 128, 255]]  # 2047 * 255 / 4095


def test_rgb_ybr_full_and_ybr_full_422_give_the_source_rgb(tmp_path):
    rgb = smooth_rgb()
    (img,) = _frames(write_dicom(tmp_path / 'rgb.dcm', rgb, photometric='RGB'))
    np.testing.assert_array_equal(img[..., ::-1], rgb)
    ybr = rgb_to_ybr_full(rgb)
    path = write_dicom(tmp_path / 'ybr.dcm', ybr, photometric='YBR_FULL')
    diff = np.abs(_frames(path)[0][..., ::-1].astype(int) - rgb)
    assert diff.max() <= 1  # the 8-bit rounding of the stored YBR
    # 4:2:2: chroma shared by each horizontal pair of pixels
    shared = ybr.copy()
    shared[:, 1::2, 1:] = shared[:, 0::2, 1:]
    path = write_dicom(
        tmp_path / 'ybr422.dcm',
        shared,
        photometric='YBR_FULL_422',
        pixel_data=ybr_full_422_bytes(shared),
    )
    (img,) = _frames(path)
    full = write_dicom(tmp_path / 'full.dcm', shared, photometric='YBR_FULL')
    np.testing.assert_array_equal(img, _frames(full)[0])
    assert img.shape == rgb.shape


def test_palette_colour_8_and_16_bit_tables(tmp_path):
    index = np.array([[0, 1], [2, 3]], np.uint8)
    lut = {
        'Red': [0, 255, 0, 10],
        'Green': [0, 0, 255, 20],
        'Blue': [255, 0, 0, 30],
    }
    for bits in (8, 16):
        ds = make_dataset(index, photometric='PALETTE COLOR')
        for colour, values in lut.items():
            table = np.array(values, np.uint16 if bits == 16 else np.uint8)
            if bits == 16:
                table = table * 257  # full-range 16-bit entries
            setattr(
                ds, f'{colour}PaletteColorLookupTableDescriptor', [4, 0, bits]
            )
            setattr(
                ds, f'{colour}PaletteColorLookupTableData', table.tobytes()
            )
        (img,) = _frames(save(ds, tmp_path / f'pal{bits}.dcm'))
        expected = np.array([lut[c] for c in ('Blue', 'Green', 'Red')]).T
        np.testing.assert_array_equal(img.reshape(4, 3), expected)


def test_multi_frame_native_and_rle(tmp_path):
    cine = RNG.integers(0, 256, (3, 6, 5), np.uint8)
    path = write_dicom(tmp_path / 'cine.dcm', cine, frames=3)
    dicom = DicomImage(path)
    assert len(dicom) == dicom.num_frames == 3
    for frame, img in zip(cine, dicom):
        np.testing.assert_array_equal(_grey(img), frame)
    colour = RNG.integers(0, 256, (2, 4, 6, 3), np.uint8)
    ds = make_dataset(colour, photometric='RGB', frames=2)
    ds.compress(RLELossless)
    dicom = DicomImage(save(ds, tmp_path / 'rle.dcm'))
    assert dicom.transfer_syntax == 'RLE Lossless'
    for frame, img in zip(colour, dicom):
        np.testing.assert_array_equal(img[..., ::-1], frame)


def test_jpeg_baseline_grey_and_colour(tmp_path):
    rgb = smooth_rgb()
    path = write_dicom(
        tmp_path / 'jpeg.dcm',
        np.stack([rgb, rgb[::-1]]),
        photometric='YBR_FULL_422',
        frames=2,
        syntax=JPEGBaseline8Bit,
        pixel_data=jpeg_pixel_data([rgb, rgb[::-1]], quality=95),
    )
    for source, img in zip((rgb, rgb[::-1]), _frames(path)):
        diff = np.abs(img[..., ::-1].astype(int) - source)
        assert diff.max() <= 12 and diff.mean() < 2  # lossy, 4:2:0 chroma
    grey = rgb[..., 0]
    path = write_dicom(
        tmp_path / 'jpeg_grey.dcm',
        grey,
        syntax=JPEGBaseline8Bit,
        pixel_data=jpeg_pixel_data([grey], quality=95),
    )
    assert np.abs(_grey(_frames(path)[0]).astype(int) - grey).max() <= 3


def test_jpeg_2000_lossless_colour(tmp_path):
    from PIL import features

    if not features.check('jpg_2000'):
        pytest.skip('Pillow is built without OpenJPEG here')
    rgb = smooth_rgb()
    buf = io.BytesIO()
    Image.fromarray(rgb).save(
        buf, format='JPEG2000', irreversible=False, mct=1, no_jp2=True
    )
    path = write_dicom(
        tmp_path / 'j2k.dcm',
        rgb,
        photometric='YBR_RCT',
        syntax=JPEG2000Lossless,
        pixel_data=encapsulate([buf.getvalue()]),
    )
    np.testing.assert_array_equal(_frames(path)[0][..., ::-1], rgb)


def test_syntax_without_a_decoder_names_it_and_what_to_install(tmp_path):
    if get_decoder(JPEGLSLossless).is_available:
        pytest.skip('a JPEG-LS plugin is installed here')
    grey = np.zeros((4, 4), np.uint8)
    path = write_dicom(
        tmp_path / 'jls.dcm',
        grey,
        syntax=JPEGLSLossless,
        pixel_data=jpeg_pixel_data([grey]),
    )
    with pytest.raises(ImageReadError) as info:
        DicomImage(path)
    message = str(info.value)
    assert 'jls.dcm' in message
    assert 'JPEG-LS Lossless Image Compression' in message
    assert 'pip install' in message and 'pyjpegls' in message
    assert 'python-gdcm' in message and 'pylibjpeg-libjpeg' in message
    private = write_dicom(
        tmp_path / 'private.dcm', grey, syntax='1.2.826.0.1.999.1'
    )
    with pytest.raises(ImageReadError, match='no decoder for its transfer'):
        DicomImage(private)


def test_corrupt_files_name_the_file(tmp_path):
    grey = RNG.integers(0, 256, (8, 8), np.uint8)
    data = open(write_dicom(tmp_path / 'ok.dcm', grey), 'rb').read()
    cut = tmp_path / 'cut_pixels.dcm'
    cut.write_bytes(data[:-20])  # pixel data short by 20 bytes
    with pytest.raises(ImageReadError, match='frame 1 of 1 of .*cut_pixels'):
        _frames(cut)
    header = tmp_path / 'cut_header.dcm'
    header.write_bytes(data[:300])  # file meta only
    with pytest.raises(ImageReadError, match='cut_header.*without pixel'):
        DicomImage(str(header))
    junk = tmp_path / 'junk.dcm'
    junk.write_bytes(b'not a dicom file' * 20)
    with pytest.raises(ImageReadError, match='junk.dcm.*is not a DICOM'):
        DicomImage(str(junk))
    meta = tmp_path / 'cut_meta'  # no extension: found by its marker
    meta.write_bytes(data[:152])  # inside the file meta's first element
    with pytest.raises(ImageReadError, match='cut_meta.*truncated or corr'):
        DicomImage(str(meta))
    with pytest.raises(FileNotFoundError, match='gone.dcm'):
        DicomImage(str(tmp_path / 'gone.dcm'))


def test_no_pixel_data_and_unsupported_photometric(tmp_path):
    ds = make_dataset(np.zeros((2, 2), np.uint8))
    del ds.PixelData
    with pytest.raises(ImageReadError, match='nopix.dcm.*without pixel data'):
        DicomImage(save(ds, tmp_path / 'nopix.dcm'))
    ybr = np.zeros((2, 2, 3), np.uint8)
    path = write_dicom(tmp_path / 'p.dcm', ybr, photometric='YBR_PARTIAL_420')
    with pytest.raises(ImageReadError, match="'YBR_PARTIAL_420' is not"):
        DicomImage(path)


def test_marker_detects_files_without_extension(tmp_path):
    path = write_dicom(tmp_path / 'IM000001', np.zeros((3, 3), np.uint8))
    assert has_dicom_marker(path) and is_dicom(path)
    assert _frames(path)[0].shape == (3, 3, 3)
    assert is_dicom(str(tmp_path / 'missing.DCM'))
    png = tmp_path / 'a.png'
    png.write_bytes(b'\x89PNG' + bytes(200))
    assert not is_dicom(str(png)) and not has_dicom_marker(str(png))


def test_ultrasound_regions_are_read(tmp_path):
    regions = [
        ultrasound_region((0, 0, 9, 7), deltas=(0.02, 0.03)),
        ultrasound_region((2, 2, 5, 5), units=(4, 4), deltas=(0.1, 0.1)),
    ]
    path = write_dicom(
        tmp_path / 'r.dcm', np.zeros((8, 10), np.uint8), regions=regions
    )
    first, second = DicomImage(path).regions
    assert first == UltrasoundRegion((0, 0, 9, 7), (3, 3), (0.02, 0.03))
    assert first.pixel_size_mm == pytest.approx((0.3, 0.2))
    assert second.pixel_size_mm is None
    assert second.problem == (
        'region units (x / y) are 4 (seconds) / 4 (seconds), not 3 (cm)'
    )
    plain = write_dicom(tmp_path / 'plain.dcm', np.zeros((2, 2), np.uint8))
    assert DicomImage(plain).regions == ()


def test_without_pydicom_the_message_says_how_to_install(
    tmp_path, monkeypatch
):
    path = write_dicom(tmp_path / 'a.dcm', np.zeros((2, 2), np.uint8))
    monkeypatch.setitem(sys.modules, 'pydicom', None)  # import fails
    with pytest.raises(ImageReadError, match='a.dcm.*pip install pydicom'):
        DicomImage(path)
