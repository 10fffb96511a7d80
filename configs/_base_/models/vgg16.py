# VGG-16, the paper's single-task classifier baseline, through mmpretrain's
# own VGG: the classifier of ./resnet101.py (BUSImageClassifier from
# mmpretrain's registry, ImageNet normalisation, GAP neck, 2-class
# cross-entropy head) with VGG-16's conv layers and classifier shape.
_base_ = ['./resnet101.py']

# mmpretrain's ImageNet VGG-16 (no BN). Its keys are 'backbone.features.*'.
vgg16_imagenet = (
    'https://download.openmmlab.com/mmclassification/v0/vgg/'
    'vgg16_batch256_imagenet_20210208-db26f1a5.pth'
)
model = dict(
    # The 13 conv layers and 5 max-pools of VGG-16: (N, 512, 8, 8) at
    # 256x256. ImageNet weights of the conv layers for users who can fetch
    # them. Offline:
    #   --cfg-options model.backbone.init_cfg=None   (from scratch)
    #   --cfg-options model.backbone.init_cfg.checkpoint=/path/vgg16.pth
    backbone=dict(
        _delete_=True,
        type='VGG',
        depth=16,
        num_classes=-1,  # features only; the classifier is the head below
        init_cfg=dict(
            type='Pretrained', checkpoint=vgg16_imagenet, prefix='backbone'
        ),
    ),
    # VGG's own classifier flattens a 7x7 map (224x224 input) and cannot
    # take 256x256; the base's GAP makes the head size-independent: (N, 512).
    # VGG-16's classifier shape: FC 4096 - ReLU - dropout 0.5 - FC 4096 -
    # ReLU - dropout 0.5 - FC 2 (trained from scratch: 18.9M parameters).
    head=dict(
        type='StackedLinearClsHead',
        in_channels=512,
        mid_channels=[4096, 4096],
        dropout_rate=0.5,
        act_cfg=dict(type='ReLU'),
    ),
)
