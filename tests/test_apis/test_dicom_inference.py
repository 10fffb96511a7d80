"""DICOM through inference_model / run_inference: a row per frame, mm sizes.

A stand-in backend (an object with ``predict_bgr``) segments bright pixels,
so the sizes in mm are known by hand; the tiny MTL-COSA model checks the
PyTorch path on the same files.
"""

import csv
import math
import os.path as osp

import numpy as np
import pytest
from PIL import Image

pytest.importorskip('pydicom')

from mmcosa.apis import (  # noqa: E402
    BUSPrediction,
    inference_model,
    list_images,
    read_image,
    run_inference,
)
from mmcosa.apis.image_io import read_frames  # noqa: E402
from mmcosa.apis.inference import load_inputs  # noqa: E402

from ..dicom_files import ultrasound_region, write_dicom  # noqa: E402

DX_CM, DY_CM = 0.01, 0.02  # 0.1 mm x 0.2 mm pixels


class BrightBackend:
    """A backend whose tumour is every pixel brighter than 127."""

    def predict_bgr(self, img_bgr, img_path):
        return BUSPrediction(
            img_path=img_path,
            image=np.ascontiguousarray(img_bgr[..., ::-1]),
            mask=(img_bgr[..., 0] > 127).astype(np.uint8),
            probs=np.array([0.25, 0.75]),
            pred_label=1,
        )


def _cine(num_frames=3, h=40, w=60):
    """Dark frames with a bright rectangle 10 rows x (10 + 5k) columns."""
    frames = np.full((num_frames, h, w), 20, np.uint8)
    for k in range(num_frames):
        frames[k, 10:20, 5 : 15 + 5 * k] = 200
    return frames


def _mixed_folder(folder):
    region = ultrasound_region((0, 0, 59, 39), deltas=(DX_CM, DY_CM))
    write_dicom(
        folder / 'cine.dcm', _cine(), frames=3, regions=[region]
    )  # 3 rows with sizes
    seconds = ultrasound_region((0, 0, 59, 39), units=(4, 4))
    write_dicom(folder / 'IM0001', _cine(1)[0], regions=[seconds])
    write_dicom(folder / 'plain.dicom', _cine(1)[0])
    Image.fromarray(_cine(1)[0]).save(folder / 'scan.png')
    (folder / 'broken.dcm').write_bytes(b'not dicom at all' * 10)
    (folder / 'notes.txt').write_text('hello')


def test_reading_dicom_frames_with_the_image_readers(tmp_path):
    _mixed_folder(tmp_path)
    names = [osp.basename(p) for p in list_images(str(tmp_path))]
    assert 'IM0001' in names and 'cine.dcm' in names
    cine = _cine()
    frames = list(read_frames(str(tmp_path / 'cine.dcm')))
    assert [f.frame for f in frames] == [1, 2, 3]
    assert all(f.num_frames == 3 and len(f.regions) == 1 for f in frames)
    for item, source in zip(frames, cine):
        np.testing.assert_array_equal(item.img_bgr[..., 1], source)
    # read_image: the first frame, as for a multi-frame TIFF
    np.testing.assert_array_equal(
        read_image(str(tmp_path / 'cine.dcm')), frames[0].img_bgr
    )
    (png,) = read_frames(str(tmp_path / 'scan.png'))
    assert png.frame is None and png.regions is None and png.num_frames == 1
    assert [f.frame for f in load_inputs(str(tmp_path / 'IM0001'))] == [1]


def test_run_inference_rows_per_frame_with_sizes_in_mm(tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    _mixed_folder(folder)
    out = tmp_path / 'out'
    rows = run_inference(BrightBackend(), str(folder), str(out), False)
    with open(out / 'predictions.csv', newline='') as f:
        table = list(csv.DictReader(f))
    assert [r['file'] for r in table] == [r['file'] for r in rows]
    by_key = {(osp.basename(r['file']), r['frame']): r for r in table}
    assert set(by_key) == {
        ('IM0001', '1'),
        ('broken.dcm', ''),
        ('cine.dcm', '1'),
        ('cine.dcm', '2'),
        ('cine.dcm', '3'),
        ('notes.txt', ''),
        ('plain.dicom', '1'),
        ('scan.png', ''),
    }
    dx, dy = DX_CM * 10, DY_CM * 10
    for k in range(3):
        row = by_key[('cine.dcm', str(k + 1))]
        w = 10 + 5 * k
        assert row['status'] == 'ok'
        assert int(row['tumour_area_px']) == 10 * w
        assert float(row['tumour_area_mm2']) == pytest.approx(
            10 * w * dx * dy, abs=0.005
        )
        assert float(row['longest_diameter_mm']) == pytest.approx(
            math.hypot(w * dx, 10 * dy), abs=0.005
        )
        assert row['size_note'] == (
            'pixel 0.1 x 0.2 mm (dx x dy) from ultrasound region 1'
        )
        assert row['mask'] == f'cine_f00{k + 1}_mask.png'
        assert row['overlay'] == f'cine_f00{k + 1}_overlay.png'
        mask = np.array(Image.open(out / row['mask']))
        assert int((mask == 255).sum()) == 10 * w
    notes = {
        'IM0001': 'ultrasound region 1: region units (x / y) are 4 '
        '(seconds) / 4 (seconds), not 3 (cm)',
        'plain.dicom': 'no ultrasound region (0018,6011) in the file',
        'scan.png': 'not a DICOM file',
    }
    for (name, _), row in by_key.items():
        if name in notes:
            assert row['status'] == 'ok' and row['size_note'] == notes[name]
            assert row['tumour_area_mm2'] == row['longest_diameter_mm'] == ''
            assert row['tumour_area_px'] == '100'
            assert row['mask'] == f'{osp.splitext(name)[0]}_mask.png'
    broken = by_key[('broken.dcm', '')]
    assert broken['status'] == 'error'
    assert 'broken.dcm' in broken['error']
    assert 'is not a DICOM file' in broken['error']
    assert by_key[('notes.txt', '')]['status'] == 'error'


def test_no_lesion_note_and_single_file_source(tmp_path):
    region = ultrasound_region((0, 0, 9, 9))
    path = write_dicom(
        tmp_path / 'dark.dcm', np.zeros((10, 10), np.uint8), regions=[region]
    )
    (row,) = run_inference(BrightBackend(), path, str(tmp_path / 'o'), False)
    assert row['frame'] == 1 and row['size_note'] == 'no lesion predicted'
    assert row['tumour_area_mm2'] == '' and row['mask'] == 'dark_mask.png'


def test_inference_model_on_dicom_frames(tiny_model, tmp_path):
    model = tiny_model[0]
    region = ultrasound_region((0, 0, 59, 39), deltas=(DX_CM, DY_CM))
    cine = _cine()
    multi = write_dicom(
        tmp_path / 'cine.dcm', cine, frames=3, regions=[region]
    )
    single = write_dicom(tmp_path / 'one', cine[1], regions=[region])
    preds = inference_model(model, multi)
    assert isinstance(preds, list) and [p.frame for p in preds] == [1, 2, 3]
    pred = inference_model(model, single)
    assert isinstance(pred, BUSPrediction) and pred.frame == 1
    # the same pixels as an array give the same prediction
    array = inference_model(model, cine[1])
    np.testing.assert_allclose(pred.probs, array.probs, atol=1e-6)
    np.testing.assert_array_equal(pred.mask, array.mask)
    np.testing.assert_allclose(preds[1].probs, array.probs, atol=1e-6)
    assert array.frame is None and array.pixel_size_mm is None
    assert array.size_note == 'an array has no pixel size'
    for p in preds + [pred]:
        if p.mask.any():
            assert p.pixel_size_mm == pytest.approx((0.2, 0.1))
            assert p.tumour_area_mm2 == pytest.approx(p.mask.sum() * 0.02)
            assert p.longest_diameter_mm > 0
        else:
            assert p.size_note == 'no lesion predicted'
            assert p.tumour_area_mm2 is None is p.longest_diameter_mm
    batch = inference_model(model, [multi, single])
    assert [p.frame for p in batch] == [1, 2, 3, 1]


def test_run_inference_torch_path_on_dicom(tiny_model, tmp_path):
    model = tiny_model[0]
    region = ultrasound_region((0, 0, 59, 39), deltas=(DX_CM, DY_CM))
    folder = tmp_path / 'in'
    folder.mkdir()
    write_dicom(folder / 'cine.dcm', _cine(2), frames=2, regions=[region])
    Image.fromarray(_cine(1)[0]).save(folder / 'cine.png')
    rows = run_inference(model, str(folder), str(tmp_path / 'o'), False)
    assert [(osp.basename(r['file']), r['frame']) for r in rows] == [
        ('cine.dcm', 1),
        ('cine.dcm', 2),
        ('cine.png', ''),
    ]
    assert [r['mask'] for r in rows] == [
        'cine_f001_mask.png',
        'cine_f002_mask.png',
        'cine_mask.png',
    ]
    # frame 1 and the PNG hold the same pixels
    for key in ('pred_class', 'prob_malignant', 'tumour_area_px'):
        assert rows[0][key] == rows[2][key]
    for row in rows[:2]:
        area = int(row['tumour_area_px'])
        if area:
            assert float(row['tumour_area_mm2']) == pytest.approx(
                area * 0.02, abs=0.005
            )
        else:
            assert row['size_note'] == 'no lesion predicted'
    assert rows[2]['size_note'] == 'not a DICOM file'
