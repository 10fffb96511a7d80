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
