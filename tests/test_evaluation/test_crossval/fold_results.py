"""Fold results worked out by hand, shared by the summary, table and ROC
tests."""

from mmcosa.evaluation.crossval import summarise_run

# Fold 0: every prediction right. Fold 1: half right (see test_summary).
RESULTS = [
    dict(
        fold=0,
        metrics={'seg/DSC': 80.0, 'seg/TPR': 70.0},
        cls_scores=dict(
            probs=[[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]],
            gt_label=[0, 1, 0, 1],
            pred_label=[0, 1, 0, 1],
        ),
    ),
    dict(
        fold=1,
        metrics={'seg/DSC': 90.0, 'seg/TPR': 80.0},
        cls_scores=dict(
            probs=[[0.4, 0.6], [0.7, 0.3], [0.8, 0.2], [0.1, 0.9]],
            gt_label=[0, 1, 0, 1],
            pred_label=[1, 0, 0, 1],
        ),
    ),
]

# The second test set: fold 0 all wrong, fold 1 as fold 1 above.
EXTERNAL = [
    dict(RESULTS[0], metrics={'seg/DSC': 40.0, 'seg/num_images': 8}),
    dict(RESULTS[1], metrics={'seg/DSC': 60.0, 'seg/num_images': 8}),
]
RUN = dict(
    num_folds=5,
    cfg_options={'a': 1},
    config_sha256='c' * 64,
    data={'data/busi': 'a' * 64},
    external={'udiat': dict(data_root='data/udiat', sha256='b' * 64)},
)


def two_sets():
    """Summary of a run tested on its test fold and on UDIAT."""
    return summarise_run(
        [
            ('internal', dict(kind='internal', dataset='busi'), RESULTS),
            (
                'udiat',
                dict(kind='external', dataset='udiat', data_root='data/udiat'),
                EXTERNAL,
            ),
            ('empty', dict(kind='external'), []),
        ],
        method='mtl_cosa_r18',
        config='x.py',
        run=RUN,
    )
