# Aspect-preserving pipelines for the prepared folders (BUSI, UDIAT): each
# image is scaled to fit 256x256 with its aspect ratio kept (long side 256)
# and padded with black at the bottom and right, instead of being stretched
# to 256x256 (busi.py, udiat.py). Image size alone predicts the BUSI class
# (AUC about 0.71), and stretching writes the aspect ratio into the
# lesion's shape; see docs/en/shortcut_audit.md. Augmentation as busi.py.
#
# Every name here starts with keep_ratio_, so this file can sit beside a
# full config in `_base_`; a config switches to it by naming the pipelines
# (docs/en/shortcut_audit.md, "Aspect-preserving resize", has the recipe).
#
# PadToSize records the padding (padding_size) and PackBUSInputs carries
# it, so tools/test.py, the metrics and mmcosa.apis.inference_model crop
# the prediction back before resizing it to the original image; in
# test-time augmentation the pad comes after the flips for the same
# reason.
keep_ratio_scale = (256, 256)  # (w, h)
# mmseg's PackSegInputs keys plus the padding record.
keep_ratio_meta_keys = (
    'img_path',
    'seg_map_path',
    'ori_shape',
    'img_shape',
    'pad_shape',
    'scale_factor',
    'flip',
    'flip_direction',
    'reduce_zero_label',
    'padding_size',
)
keep_ratio_resize = dict(
    type='Resize',
    scale=keep_ratio_scale,
    keep_ratio=True,
    interpolation='bilinear',
)
# Padded mask pixels are 255: ignored by the loss.
keep_ratio_pad = dict(
    type='PadToSize', size=keep_ratio_scale, pad_val=0, seg_pad_val=255
)
keep_ratio_pack = dict(type='PackBUSInputs', meta_keys=keep_ratio_meta_keys)

keep_ratio_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    keep_ratio_resize,
    keep_ratio_pad,
    # Rotated-in corners are black image and background mask.
    dict(type='RandomRotate', prob=0.5, degree=5, pad_val=0, seg_pad_val=0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(
        type='RandomGaussianBlur',
        prob=0.5,
        kernel_size=(3, 7),
        sigma=(0.1, 2.0),
    ),
    dict(type='RandomMedianBlur', prob=0.5, kernel_size=(3, 5)),
    keep_ratio_pack,
]
# Ground truth is loaded after the resize and the pad: metrics compare at
# the original size.
keep_ratio_test_pipeline = [
    dict(type='LoadImageFromFile'),
    keep_ratio_resize,
    keep_ratio_pad,
    dict(type='LoadAnnotations'),
    keep_ratio_pack,
]
keep_ratio_tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [keep_ratio_resize],
            [
                dict(type='RandomFlip', prob=0.0, direction='horizontal'),
                dict(type='RandomFlip', prob=1.0, direction='horizontal'),
            ],
            [keep_ratio_pad],
            [dict(type='LoadAnnotations')],
            [keep_ratio_pack],
        ],
    ),
]
