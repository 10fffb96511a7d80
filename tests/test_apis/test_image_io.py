"""Reading user images of any size and mode, and every bad-input branch."""

import numpy as np
import pytest
from PIL import Image

from mmcosa.apis import ImageReadError, list_images, read_image, to_bgr


def test_to_bgr_modes():
    grey = np.arange(6, dtype=np.uint8).reshape(2, 3)
    out = to_bgr(grey)
    assert out.shape == (2, 3, 3) and out.dtype == np.uint8
    assert (out[..., 0] == grey).all() and (out[..., 2] == grey).all()
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 0] = 200  # red
    assert (to_bgr(rgb)[..., 2] == 200).all()
    assert (to_bgr(rgb, channel_order='bgr')[..., 0] == 200).all()
    rgba = np.dstack([rgb, np.full((2, 2), 7, np.uint8)])
    np.testing.assert_array_equal(to_bgr(rgba), to_bgr(rgb))
    assert to_bgr(grey[..., None]).shape == (2, 3, 3)


def test_to_bgr_dtypes():
    assert to_bgr(np.full((2, 2), 65535, np.uint16)).max() == 255
    assert to_bgr(np.full((2, 2), 0.5, np.float32)).max() == 128
    assert to_bgr(np.full((2, 2), 200.0)).max() == 200
    assert to_bgr(np.ones((2, 2), bool)).min() == 255


def test_to_bgr_errors():
    with pytest.raises(ImageReadError, match='unsupported image shape'):
        to_bgr(np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(ImageReadError, match='no pixels'):
        to_bgr(np.zeros((0, 3), np.uint8))
    with pytest.raises(ValueError, match='channel_order'):
        to_bgr(np.zeros((2, 2), np.uint8), channel_order='hsv')
    with pytest.raises(ImageReadError, match='dtype'):
        to_bgr(np.zeros((2, 2), complex))


@pytest.mark.parametrize('mode', ['L', 'RGB', 'RGBA', 'I;16', '1', 'P'])
def test_read_image_png_modes(tmp_path, mode):
    path = tmp_path / f'img_{mode.replace(";", "")}.png'
    Image.new(mode, (5, 3)).save(path)
    img = read_image(str(path))
    assert img.shape == (3, 5, 3) and img.dtype == np.uint8


def test_read_image_gif_via_pillow(tmp_path):
    path = tmp_path / 'a.gif'
    Image.new('L', (4, 6), color=255).save(path)
    img = read_image(str(path))
    assert img.shape == (6, 4, 3) and img.min() == 255


def test_read_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.png'):
        read_image(str(tmp_path / 'missing.png'))
    text = tmp_path / 'notes.txt'
    text.write_text('hello')
    with pytest.raises(ImageReadError, match="not an image file.*'.txt'"):
        read_image(str(text))
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(ImageReadError, match='empty file'):
        read_image(str(empty))
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'\x89PNG not really')
    with pytest.raises(ImageReadError, match='cannot decode.*corrupt.png'):
        read_image(str(corrupt))


def test_list_images(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        list_images(str(tmp_path / 'nope'))
    (tmp_path / 'sub').mkdir()
    (tmp_path / '.hidden.png').write_bytes(b'x')
    with pytest.raises(ValueError, match='is empty'):
        list_images(str(tmp_path))
    (tmp_path / 'b.png').write_bytes(b'x')
    (tmp_path / 'a.txt').write_bytes(b'x')
    assert [p.split('/')[-1] for p in list_images(str(tmp_path))] == [
        'a.txt',
        'b.png',
    ]


def _scan_12bit(h=6, w=5):
    """A 12-bit scan stored in a 16-bit file: values 0..4095."""
    return (np.arange(h * w, dtype=np.uint16).reshape(h, w) * 141) % 4096


def test_12bit_data_in_16bit_png_reads_as_the_converter_writes(tmp_path):
    from mmcosa.datasets.converters.image_io import read_image as conv_read
    from mmcosa.datasets.converters.image_io import write_image

    scan = _scan_12bit()
    scan[0, 0] = 4095
    path = tmp_path / 'scan12.png'
    Image.fromarray(scan).save(path)  # 'I;16'
    expected = np.round(scan * (255 / 4095)).astype(np.uint8)
    infer = read_image(str(path))
    np.testing.assert_array_equal(infer[..., 0], expected)
    np.testing.assert_array_equal(infer[..., 2], expected)
    # the converter writes the same 8-bit values into the prepared folder
    prepared = tmp_path / 'prepared.png'
    write_image(conv_read(path), path, prepared)
    stored = np.asarray(Image.open(prepared))
    np.testing.assert_array_equal(stored, expected)
    # full-range 16-bit data and 8-bit values in a 16-bit file
    full = tmp_path / 'full16.png'
    Image.fromarray(expected.astype(np.uint16) * 257).save(full)
    np.testing.assert_array_equal(read_image(str(full))[..., 0], expected)
    small = tmp_path / 'small16.png'
    Image.fromarray(np.full((2, 2), 200, np.uint16)).save(small)
    assert read_image(str(small)).max() == 200


def test_png_significant_bits_decide_the_scale(tmp_path):
    from PIL.PngImagePlugin import PngInfo

    dark = np.full((3, 3), 1000, np.uint16)  # a dark 12-bit image
    info = PngInfo()
    info.add(b'sBIT', bytes([12]))
    path = tmp_path / 'sbit.png'
    Image.fromarray(dark).save(path, pnginfo=info)
    assert read_image(str(path)).max() == round(1000 * 255 / 4095)
    plain = tmp_path / 'no_sbit.png'
    Image.fromarray(dark).save(plain)  # max 1000 -> 10 bits
    assert read_image(str(plain)).max() == round(1000 * 255 / 1023)


def test_16bit_colour_png_keeps_all_bits(tmp_path):
    import cv2

    bgr = np.stack([_scan_12bit() * 0, _scan_12bit(), _scan_12bit()], -1)
    bgr[0, 0, 1] = 4095
    path = tmp_path / 'colour16.png'
    cv2.imwrite(str(path), bgr.astype(np.uint16))
    img = read_image(str(path))
    expected = np.round(bgr * (255 / 4095)).astype(np.uint8)
    np.testing.assert_array_equal(img, expected)


def test_jpeg_bytes_under_a_png_name_become_a_real_png(tmp_path):
    from mmcosa.datasets.converters.image_io import read_image as conv_read
    from mmcosa.datasets.converters.image_io import write_image

    raw = tmp_path / 'benign (1).png'
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (8, 8, 3), np.uint8)).save(
        raw, format='JPEG'
    )
    assert raw.read_bytes()[:3] == b'\xff\xd8\xff'
    out = tmp_path / 'benign_0001.png'
    img = conv_read(raw)
    write_image(img, raw, out)
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    np.testing.assert_array_equal(np.asarray(Image.open(out)), img)
    # inference decodes the raw file to the same pixels
    np.testing.assert_array_equal(read_image(str(raw))[..., ::-1], img)


def test_integer_arrays_follow_the_rule():
    assert to_bgr(np.full((2, 2), 200, np.uint16)).max() == 200
    twelve = np.array([[0, 4095]], np.uint16)
    assert to_bgr(twelve)[0, :, 0].tolist() == [0, 255]
    assert to_bgr(np.array([[0, 255]], np.int64))[0, 1, 0] == 255
    with pytest.raises(ImageReadError, match='negative pixel values'):
        to_bgr(np.array([[-1, 3]], np.int32))


def test_exif_orientation_is_not_carried_into_the_prepared_png(tmp_path):
    """OpenCV (mmcv's loader) would rotate a PNG with an eXIf chunk while
    its mask and inference do not: the prepared copy must drop it."""
    import mmcv

    from mmcosa.datasets.converters.image_io import read_image as conv_read
    from mmcosa.datasets.converters.image_io import write_image

    raw = tmp_path / 'rotated.png'
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees"
    pixels = np.random.default_rng(0).integers(0, 255, (6, 9, 3), np.uint8)
    Image.fromarray(pixels).save(raw, exif=exif)
    plain = tmp_path / 'plain.png'
    Image.fromarray(pixels).save(plain)
    for src in (raw, plain):
        out = tmp_path / f'prepared_{src.name}'
        write_image(conv_read(src), src, out)
        assert b'eXIf' not in out.read_bytes()
        loaded = mmcv.imfrombytes(out.read_bytes())  # as training loads
        np.testing.assert_array_equal(loaded, read_image(str(src)))
    # a plain 8-bit PNG is copied byte for byte
    assert (tmp_path / 'prepared_plain.png').read_bytes() == plain.read_bytes()
