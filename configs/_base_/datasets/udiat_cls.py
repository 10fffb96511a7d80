# UDIAT Dataset B for the single-task mmpretrain classifiers: BUSI's
# (./busi_cls.py) on the folder prepared by
#   python tools/dataset_converters/udiat.py RAW data/udiat
_base_ = ['./busi_cls.py']

data_root = 'data/udiat'
train_dataloader = dict(dataset=dict(data_root=data_root, source='UDIAT'))
val_dataloader = dict(dataset=dict(data_root=data_root, source='UDIAT'))
test_dataloader = val_dataloader
