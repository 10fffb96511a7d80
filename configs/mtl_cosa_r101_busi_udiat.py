# MTL-COSA trained on BUSI + UDIAT together and tested on each, as RMTL
# (IEEE Access 2023) re-ran it: 5-fold cross-validation, fold k trains on
# both data sets' fold-k training splits, task weights alpha 0.9 /
# beta 0.1. RMTL's figures (5-fold means, %):
#   BUSI   DSC 78.90  IoU 70.65  ACC 91.49  AUC 96.77
#   UDIAT  DSC 84.07  IoU 76.05  ACC 87.08  AUC 93.61
# Prepare data/busi and data/udiat with the same --folds, then:
#   python tools/crossval.py configs/mtl_cosa_r101_busi_udiat.py \
#       --folds 5 --work-dir work_dirs/mtl_cosa_r101_busi_udiat_cv
# summary.md gives the BUSI and the UDIAT test folds side by side
# (docs/en/cross_validation.md).
_base_ = [
    './_base_/models/mtl_cosa_r101.py',
    './_base_/datasets/busi_udiat.py',
    './_base_/schedules/adam_100e.py',
    './_base_/default_runtime.py',
]

# RMTL's task weights (the paper: 0.8 / 0.2).
model = dict(
    decode_head=dict(loss_decode=dict(loss_weight=0.9)),  # alpha
    cls_head=dict(loss_cls=dict(loss_weight=0.1)),  # beta
)
