"""The published numbers stored in the package (paper Tables 1-2)."""

import pytest

from mmcosa.evaluation import (
    PUBLISHED_CLS,
    PUBLISHED_SEG,
    RMTL_RERUN,
    canonical_dataset,
)


def test_rows_match_the_paper():
    assert PUBLISHED_SEG['busi']['MTL-COSA'] == dict(
        TPR=77.85, FPR=37.01, mIoU=82.13, DSC=77.48, AER=59.15
    )
    assert PUBLISHED_SEG['udiat']['UResNet']['AER'] == 49.64
    assert PUBLISHED_CLS['busi']['MTL-COSA'] == dict(
        TPR=92.20, FPR=10.00, ACC=91.48, PRE=95.05, F1=93.59, AUC=0.97
    )
    assert PUBLISHED_CLS['udiat']['LeNet']['AUC'] is None
    assert RMTL_RERUN['busi']['MTL-COSA']['IoU'] == 70.65
    assert set(PUBLISHED_SEG['busi']) == {
        'UResNet',
        'MTL',
        'MTL-SA',
        'MTL-COSA',
    }
    assert len(PUBLISHED_CLS['udiat']) == 6


def test_published_f1_is_consistent_with_pre_and_tpr():
    # F1 = 2 PRE TPR / (PRE + TPR): the paper's rows are fold means, so
    # only approximately; a typo in a stored figure would break this.
    for rows in PUBLISHED_CLS.values():
        for name, row in rows.items():
            f1 = 2 * row['PRE'] * row['TPR'] / (row['PRE'] + row['TPR'])
            assert f1 == pytest.approx(row['F1'], abs=1.0), name


def test_canonical_dataset():
    assert canonical_dataset('BUSI') == 'busi'
    assert canonical_dataset('b') == 'udiat'
    assert canonical_dataset('Dataset-B') == 'udiat'
    with pytest.raises(ValueError, match="unknown data set 'x'"):
        canonical_dataset('x')
