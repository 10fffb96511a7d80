"""Class names, label ids and the metainfo of every breast-ultrasound data
set of mmcosa: the one place they are spelled.

A label id is the position of its name in :data:`CLASS_NAMES`, as in the
prepared folders' ``labels.csv`` and BUSI's downloaded folders: 0 benign,
1 malignant, 2 normal (BUSI only). The classifiers predict
:data:`CLS_CLASSES`; normal images join only with ``keep_normal``.

Metrics, hooks, the inference API, the converters and the phantom read
them from here, so the prepared-folder and the phantom data sets agree.
"""

__all__ = [
    'BENIGN_LABEL',
    'BUS_METAINFO',
    'CLASS_NAMES',
    'CLS_CLASSES',
    'MALIGNANT_LABEL',
    'NORMAL_LABEL',
    'SEG_CLASSES',
]

#: Image classes in label-id order.
CLASS_NAMES = ('benign', 'malignant', 'normal')
BENIGN_LABEL = CLASS_NAMES.index('benign')
MALIGNANT_LABEL = CLASS_NAMES.index('malignant')
NORMAL_LABEL = CLASS_NAMES.index('normal')
#: The image classes the classifiers predict (``cls_classes``).
CLS_CLASSES = CLASS_NAMES[:NORMAL_LABEL]
#: Segmentation classes (``classes``): mask values 0 and 1.
SEG_CLASSES = ('background', 'tumour')

BUS_METAINFO = dict(
    classes=SEG_CLASSES,
    palette=[[0, 0, 0], [255, 64, 64]],
    cls_classes=CLS_CLASSES,
)
