"""The published numbers mmcosa is compared with.

Xu, Huang, Qi, ISBI 2022, Tables 1 and 2 (5-fold cross-validation means,
percent; AUC from Fig. 3 in 0-1), and RMTL's re-run of MTL-COSA (IEEE
Access 2023). Classification figures take **benign as the positive class**.
Data set keys: ``'busi'`` and ``'udiat'`` (the paper's "Dataset B").
"""

from typing import Dict, Optional

__all__ = [
    'DATASET_ALIASES',
    'PUBLISHED_CLS',
    'PUBLISHED_SEG',
    'RMTL_RERUN',
    'canonical_dataset',
]

#: Accepted spellings of the data set names.
DATASET_ALIASES = {
    'busi': 'busi',
    'udiat': 'udiat',
    'b': 'udiat',
    'dataset_b': 'udiat',
    'datasetb': 'udiat',
}


def _seg(tpr, fpr, miou, dsc, aer) -> Dict[str, float]:
    return dict(TPR=tpr, FPR=fpr, mIoU=miou, DSC=dsc, AER=aer)


def _cls(tpr, fpr, acc, pre, f1, auc=None) -> Dict[str, Optional[float]]:
    return dict(TPR=tpr, FPR=fpr, ACC=acc, PRE=pre, F1=f1, AUC=auc)


#: Table 1: segmentation, per-image means (%).
PUBLISHED_SEG: Dict[str, Dict[str, Dict[str, float]]] = {
    'udiat': {
        'UResNet': _seg(84.39, 34.03, 86.11, 82.25, 49.64),
        'MTL': _seg(82.18, 23.03, 85.00, 79.92, 40.85),
        'MTL-SA': _seg(78.54, 15.50, 84.44, 78.90, 36.96),
        'MTL-COSA': _seg(82.17, 17.14, 85.87, 81.82, 34.97),
    },
    'busi': {
        'UResNet': _seg(77.09, 33.34, 82.27, 77.63, 56.25),
        'MTL': _seg(77.52, 39.11, 81.48, 76.38, 61.59),
        'MTL-SA': _seg(75.28, 37.05, 81.09, 75.61, 61.77),
        'MTL-COSA': _seg(77.85, 37.01, 82.13, 77.48, 59.15),
    },
}

#: Table 2: classification, benign positive (%); AUC (0-1) from Fig. 3.
PUBLISHED_CLS: Dict[str, Dict[str, Dict[str, Optional[float]]]] = {
    'udiat': {
        'VGG-16': _cls(85.33, 33.27, 79.16, 84.10, 84.60),
        'LeNet': _cls(92.73, 51.82, 77.99, 78.26, 84.74),
        'ResNet-101': _cls(90.91, 29.82, 84.09, 86.23, 88.38, 0.89),
        'MTL': _cls(92.73, 31.64, 84.69, 86.09, 88.88),
        'MTL-SA': _cls(90.82, 25.64, 85.34, 88.24, 89.22),
        'MTL-COSA': _cls(91.73, 22.36, 87.08, 89.36, 90.41, 0.93),
    },
    'busi': {
        'VGG-16': _cls(89.22, 20.95, 85.92, 89.83, 89.51),
        'LeNet': _cls(90.84, 43.33, 79.74, 81.44, 85.81),
        'ResNet-101': _cls(93.56, 17.14, 90.10, 91.90, 92.68, 0.96),
        'MTL': _cls(93.57, 14.76, 90.86, 92.98, 93.22),
        'MTL-SA': _cls(94.27, 16.19, 90.87, 92.39, 93.30),
        'MTL-COSA': _cls(92.20, 10.00, 91.48, 95.05, 93.59, 0.97),
    },
}

#: RMTL (IEEE Access 2023): MTL-COSA re-run (trained on BUSI + UDIAT,
#: alpha 0.9) and RMTL-Net itself. DSC and tumour IoU (%), ACC (%), AUC.
RMTL_RERUN: Dict[str, Dict[str, Dict[str, float]]] = {
    'busi': {
        'MTL-COSA': dict(DSC=78.90, IoU=70.65, ACC=91.49, AUC=0.9677),
        'RMTL-Net': dict(DSC=80.04, IoU=71.93, ACC=91.02, AUC=0.9674),
    },
    'udiat': {
        'MTL-COSA': dict(DSC=84.07, IoU=76.05, ACC=87.08, AUC=0.9361),
    },
}


def canonical_dataset(name: str) -> str:
    """Map a data set spelling to ``'busi'`` or ``'udiat'``.

    Raises:
        ValueError: For an unknown name, listing the accepted ones.
    """
    key = str(name).lower().replace('-', '_')
    if key not in DATASET_ALIASES:
        raise ValueError(
            f'unknown data set {name!r}; use one of {sorted(DATASET_ALIASES)}.'
        )
    return DATASET_ALIASES[key]
