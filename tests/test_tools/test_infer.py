"""tools/infer.py on a folder of phantom images of mixed sizes and modes."""

import csv
import importlib.util
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmcosa.datasets.phantom import generate_sample

from ..test_apis.tiny_mtl import (
    REPO,
    save_random_checkpoint,
    write_tiny_mtl_config,
)


@pytest.fixture(scope='module')
def infer_tool():
    spec = importlib.util.spec_from_file_location(
        'tool_infer', osp.join(REPO, 'tools', 'infer.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tiny_ckpt(tmp_path_factory):
    root = tmp_path_factory.mktemp('infer_model')
    config = write_tiny_mtl_config(str(root / 'tiny.py'))
    return config, save_random_checkpoint(config, str(root / 'tiny.pth'))


def _phantom_folder(folder):
    """Phantom images as grey, RGB, RGBA and 16-bit PNGs plus bad files."""
    sizes = dict(
        grey=(96, 128), rgb=(80, 60), rgba=(128, 128), grey16=(70, 90)
    )
    for i, (name, size) in enumerate(sizes.items()):
        img = generate_sample(0, i, size)['img']
        if name == 'grey':
            pil = Image.fromarray(img, 'L')
        elif name == 'rgb':
            pil = Image.fromarray(np.dstack([img] * 3), 'RGB')
        elif name == 'rgba':
            alpha = np.full_like(img, 255)
            pil = Image.fromarray(np.dstack([img] * 3 + [alpha]), 'RGBA')
        else:
            pil = Image.fromarray(img.astype(np.uint16) * 257)
        pil.save(folder / f'{name}.png')
    (folder / 'notes.txt').write_text('not an image')
    (folder / 'broken.png').write_bytes(b'\x89PNG\r\n broken')
    return sizes


def test_infer_folder_mixed_modes_and_bad_files(
    infer_tool, tiny_ckpt, tmp_path
):
    config, ckpt = tiny_ckpt
    folder = tmp_path / 'images'
    folder.mkdir()
    sizes = _phantom_folder(folder)
    out = tmp_path / 'out'
    rc = infer_tool.main([config, ckpt, str(folder), '--out-dir', str(out)])
    assert rc == 0
    with open(out / 'predictions.csv') as f:
        rows = {osp.basename(r['file']): r for r in csv.DictReader(f)}
    assert set(rows) == set(f'{n}.png' for n in sizes) | {
        'notes.txt',
        'broken.png',
    }
    assert rows['notes.txt']['status'] == 'error'
    assert 'not an image file' in rows['notes.txt']['error']
    assert rows['broken.png']['status'] == 'error'
    assert 'cannot decode' in rows['broken.png']['error']
    for name, (h, w) in sizes.items():
        row = rows[f'{name}.png']
        assert row['status'] == 'ok', row
        assert (int(row['height']), int(row['width'])) == (h, w)
        assert row['pred_class'] in ('benign', 'malignant')
        assert 0.0 <= float(row['prob_malignant']) <= 1.0
        mask = np.array(Image.open(out / row['mask']))
        assert mask.shape == (h, w)
        assert set(np.unique(mask)) <= {0, 255}
        assert int(row['tumour_area_px']) == int((mask == 255).sum())
        overlay = Image.open(out / row['overlay'])
        assert overlay.mode == 'RGB' and overlay.size[0] >= w


def test_infer_bad_inputs(infer_tool, tiny_ckpt, tmp_path, capsys):
    config, ckpt = tiny_ckpt
    empty = tmp_path / 'empty'
    empty.mkdir()
    out = str(tmp_path / 'out')
    assert infer_tool.main([config, ckpt, str(empty), '--out-dir', out]) == 1
    assert 'is empty' in capsys.readouterr().err
    missing = str(tmp_path / 'missing.png')
    assert infer_tool.main([config, ckpt, missing, '--out-dir', out]) == 1
    assert 'missing.png' in capsys.readouterr().err
    bad = tmp_path / 'bad.jpg'
    bad.write_bytes(b'')
    # a single bad file: reported in the CSV, exit status 1
    assert infer_tool.main([config, ckpt, str(bad), '--out-dir', out]) == 1
    with open(osp.join(out, 'predictions.csv')) as f:
        (row,) = list(csv.DictReader(f))
    assert row['status'] == 'error' and 'empty file' in row['error']
    assert (
        infer_tool.main(
            [config, str(tmp_path / 'no.pth'), str(bad), '--out-dir', out]
        )
        == 1
    )
    assert 'checkpoint' in capsys.readouterr().err


def test_12bit_scan_gives_the_prediction_of_its_8bit_image(
    infer_tool, tiny_ckpt, tmp_path
):
    config, ckpt = tiny_ckpt
    folder = tmp_path / 'scans'
    folder.mkdir()
    img = generate_sample(0, 3, (72, 88))['img']
    img[0, 0] = 255
    Image.fromarray(img, 'L').save(folder / 'scan8.png')
    twelve = np.round(img.astype(np.float64) * 4095 / 255).astype(np.uint16)
    Image.fromarray(twelve).save(folder / 'scan12.png')  # 16-bit file
    out = tmp_path / 'out'
    assert 0 == infer_tool.main(
        [config, ckpt, str(folder), '--out-dir', str(out)]
    )
    with open(out / 'predictions.csv') as f:
        rows = {osp.basename(r['file']): r for r in csv.DictReader(f)}
    for key in ('pred_class', 'prob_malignant', 'tumour_area_px'):
        assert rows['scan12.png'][key] == rows['scan8.png'][key], key
    np.testing.assert_array_equal(
        np.asarray(Image.open(out / 'scan12_overlay.png')),
        np.asarray(Image.open(out / 'scan8_overlay.png')),
    )


def test_checkpoint_and_out_dir_errors_are_one_line(
    infer_tool, tiny_ckpt, tmp_path, capsys
):
    config, ckpt = tiny_ckpt
    image = tmp_path / 'scan.png'
    Image.fromarray(generate_sample(0, 1, (40, 40))['img'], 'L').save(image)
    out = str(tmp_path / 'out')
    as_file = tmp_path / 'taken'
    as_file.write_text('')
    assert infer_tool.main(
        [config, ckpt, str(image), '--out-dir', str(as_file)]
    )
    assert capsys.readouterr().err == (
        f"error: --out-dir '{as_file}' is a file; pass a folder (it is "
        'created if missing).\n'
    )
    png = tmp_path / 'model.png'
    png.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(16))
    assert infer_tool.main([config, str(png), str(image), '--out-dir', out])
    assert (
        'is a PNG image, not a PyTorch checkpoint' in capsys.readouterr().err
    )
    # a checkpoint of another model: refused, unless asked for a partial load
    narrow = tmp_path / 'narrow.py'
    narrow.write_text(
        f"_base_ = ['{config}']\nmodel = dict(decode_head=dict(channels=8))\n"
    )
    assert infer_tool.main([str(narrow), ckpt, str(image), '--out-dir', out])
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'Traceback' not in err
    assert f"checkpoint '{ckpt}' does not fit the model of {narrow}" in err
    assert 'decode_head.' in err and '--allow-partial-load' in err
    assert 0 == infer_tool.main(
        [
            str(narrow),
            ckpt,
            str(image),
            '--out-dir',
            out,
            '--allow-partial-load',
        ]
    )


def test_infer_dicom_frames_get_rows_and_sizes_in_mm(
    infer_tool, tiny_ckpt, tmp_path
):
    pytest.importorskip('pydicom')
    from ..dicom_files import ultrasound_region, write_dicom

    config, ckpt = tiny_ckpt
    folder = tmp_path / 'dicom'
    folder.mkdir()
    cine = np.stack([generate_sample(0, i, (48, 64))['img'] for i in (1, 2)])
    region = ultrasound_region((0, 0, 63, 47), deltas=(0.01, 0.01))
    write_dicom(folder / 'cine.dcm', cine, frames=2, regions=[region])
    write_dicom(folder / 'EXPORT01', cine[0])  # PACS name, no region
    out = tmp_path / 'out'
    assert 0 == infer_tool.main(
        [config, ckpt, str(folder), '--out-dir', str(out)]
    )
    with open(out / 'predictions.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(osp.basename(r['file']), r['frame']) for r in rows] == [
        ('EXPORT01', '1'),
        ('cine.dcm', '1'),
        ('cine.dcm', '2'),
    ]
    assert rows[0]['size_note'] == (
        'no ultrasound region (0018,6011) in the file'
    )
    assert rows[1]['overlay'] == 'cine_f001_overlay.png'
    for row in rows[1:]:
        area = int(row['tumour_area_px'])
        if area:  # 0.1 mm x 0.1 mm pixels
            assert float(row['tumour_area_mm2']) == pytest.approx(
                area * 0.01, abs=0.005
            )
            assert float(row['longest_diameter_mm']) > 0
        else:
            assert row['size_note'] == 'no lesion predicted'
