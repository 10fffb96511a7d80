# UDIAT Dataset B (Yap et al. 2018), benign + malignant, prepared by
#   python tools/dataset_converters/udiat.py RAW data/udiat
# Everything else (folds, pipelines, batch, metrics) is BUSI's; source:
# a folder whose meta.json names another data set is refused.
_base_ = ['./busi.py']

data_root = 'data/udiat'
train_dataloader = dict(dataset=dict(data_root=data_root, source='UDIAT'))
val_dataloader = dict(dataset=dict(data_root=data_root, source='UDIAT'))
test_dataloader = val_dataloader
