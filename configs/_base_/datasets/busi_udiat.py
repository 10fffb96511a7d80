# BUSI + UDIAT trained together, tested on each (RMTL's protocol).
# Prepare both folders with the same number of folds:
#   python tools/dataset_converters/busi.py RAW_BUSI data/busi
#   python tools/dataset_converters/udiat.py RAW_UDIAT data/udiat
# Fold k trains on the concatenation of both fold-k training splits
# (mmengine's ConcatDataset). tools/crossval.py tests fold k of each data
# set on its own (`test_dataloaders`: one result per data set);
# tools/train.py validates and tools/test.py tests on both test folds
# pooled (`val_dataloader`, `test_dataloader`). Pipelines, batch size,
# evaluators and the visualization hook are BUSI's (./busi.py; UDIAT's are
# the same).
_base_ = ['./busi.py']

busi_root = 'data/busi'
udiat_root = 'data/udiat'
busi_test = dict(
    type='BUSDataset',
    data_root=busi_root,
    fold=0,
    split='test',
    pipeline=_base_.test_pipeline,
)
udiat_test = dict(busi_test, data_root=udiat_root)

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(busi_test, split='train', pipeline=_base_.train_pipeline),
            dict(udiat_test, split='train', pipeline=_base_.train_pipeline),
        ],
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True, type='ConcatDataset', datasets=[busi_test, udiat_test]
    )
)
test_dataloader = val_dataloader
# One test loader per data set, run one after another by tools/crossval.py
# (fold_<k>/test_metrics_busi.json, fold_<k>/test_metrics_udiat.json).
test_loader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloaders = dict(
    busi=dict(test_loader, dataset=busi_test),
    udiat=dict(test_loader, dataset=udiat_test),
)
