"""The metainfo shared by every breast-ultrasound data set of mmcosa.

Metrics, hooks and the inference API read ``classes`` (segmentation) and
``cls_classes`` (image classes) from it, so the prepared-folder and the
phantom data sets must agree: both take it from here.
"""

__all__ = ['BUS_METAINFO']

BUS_METAINFO = dict(
    classes=('background', 'tumour'),
    palette=[[0, 0, 0], [255, 64, 64]],
    cls_classes=('benign', 'malignant'),
)
