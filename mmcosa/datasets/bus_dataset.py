"""A prepared breast-ultrasound data set (BUSI, UDIAT) on disk."""

import csv
import json
import numbers
import os
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .metainfo import BUS_METAINFO, CLASS_NAMES

__all__ = ['BUSDataset', 'KNOWN_SOURCES', 'check_source', 'read_meta']

SPLITS = ('train', 'test', 'all')
#: ``meta.json`` sources written by mmcosa's converters.
KNOWN_SOURCES = ('BUSI', 'UDIAT')


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def read_meta(data_root: str) -> dict:
    """``meta.json`` of a prepared folder; an empty dict when there is none."""
    path = osp.join(data_root, 'meta.json')
    if not osp.isfile(path):
        return {}
    with open(path, encoding='utf-8') as f:
        try:
            meta = json.load(f)
        except ValueError as e:
            raise ValueError(
                f'{path}: not valid JSON ({e}); re-run the converter with '
                f'--overwrite.'
            ) from e
    if not isinstance(meta, dict):
        raise ValueError(
            f'{path}: holds a {type(meta).__name__}, not an object; re-run '
            f'the converter with --overwrite.'
        )
    return meta


def check_source(data_root: str, meta: dict, source: Optional[str]) -> None:
    """Refuse a folder another mmcosa converter prepared.

    Args:
        data_root (str): The prepared folder, named in the message.
        meta (dict): Its ``meta.json``.
        source (str, optional): The data set the config expects
            (``'BUSI'`` or ``'UDIAT'``); None accepts any folder.

    Raises:
        ValueError: If ``meta.json`` names another of
            :data:`KNOWN_SOURCES` than ``source``.
    """
    found = meta.get('source')
    if source is None or not isinstance(found, str):
        return
    if found.upper() == source.upper() or found.upper() not in KNOWN_SOURCES:
        return
    raise ValueError(
        f'{data_root} was prepared from {found} (meta.json "source") but '
        f'this config reads {source}; point data_root at the folder written '
        f'by tools/dataset_converters/{source.lower()}.py, or use a '
        f'{found.lower()} config (configs/*_{found.lower()}.py).'
    )


@DATASETS.register_module()
class BUSDataset(BaseSegDataset):
    """Breast-ultrasound images with a tumour mask and an image label.

    Reads the folder written by ``tools/dataset_converters/busi.py`` or
    ``udiat.py`` (see docs/en/dataset_prepare.md)::

        data_root/
        ├── images/<stem>.png     RGB or grey, original size
        ├── masks/<stem>.png      'L' PNG, 0 background / 1 tumour
        ├── labels.csv            filename,label,class_name[,diagnosis]
        │                         label: 0 benign, 1 malignant, 2 normal
        ├── splits/
        │   ├── fold_0_train.txt  one <stem>.png per line
        │   ├── fold_0_test.txt
        │   └── ...               fold_<k>_{train,test}.txt, k < K
        └── meta.json             num_folds, counts, duplicate groups, ...

    ``split='test'`` lists ``fold_<fold>_test.txt``, ``'train'`` lists
    ``fold_<fold>_train.txt``, ``'all'`` every row of ``labels.csv``. Each
    data info carries ``img_path``, ``seg_map_path`` and ``gt_label``
    (int), so the same data set feeds mmseg pipelines (packed by
    ``PackBUSInputs``) and mmpretrain classifiers (packed by
    ``mmpretrain.PackInputs``, which reads ``gt_label``).

    Args:
        data_root (str | os.PathLike): The prepared folder.
        fold (int): Cross-validation fold, ``0 <= fold < K``. Defaults to 0.
        split (str): ``'train'``, ``'test'`` or ``'all'``. Defaults to
            ``'all'``.
        keep_normal (bool): Keep normal images (label 2, empty mask) when
            the folder holds any (converted with ``--keep-normal``);
            ``cls_classes`` then gains ``'normal'``. Defaults to False.
        num_folds (int, optional): Expected number of folds; checked
            against ``meta.json`` when given (the cross-validation runner
            may set it). The folder's own count is ``self.num_folds``.
        source (str, optional): The data set this config is for
            (``'BUSI'``, ``'UDIAT'``); a folder whose ``meta.json`` names
            the other is refused. None (default) accepts any folder.
        pipeline (list, optional): Transforms. Defaults to None.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`
            (``test_mode``, ``lazy_init``, ``indices``, ``metainfo``, ...).
    """

    METAINFO = BUS_METAINFO

    def __init__(
        self,
        data_root: str,
        fold: int = 0,
        split: str = 'all',
        keep_normal: bool = False,
        num_folds: Optional[int] = None,
        source: Optional[str] = None,
        pipeline: Optional[List[Union[dict, Callable]]] = None,
        **kwargs,
    ) -> None:
        if isinstance(data_root, os.PathLike):
            data_root = os.fspath(data_root)
        if not isinstance(data_root, str) or not data_root:
            raise TypeError(
                f'data_root must be a folder path (str), got {data_root!r}.'
            )
        if not _is_int(fold) or fold < 0:
            raise ValueError(f'fold must be an int >= 0, got {fold!r}.')
        if num_folds is not None and (not _is_int(num_folds) or num_folds < 2):
            raise ValueError(
                f'num_folds must be an int >= 2 or None, got {num_folds!r}.'
            )
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}.')
        if not isinstance(keep_normal, bool):
            raise TypeError(
                f'keep_normal must be a bool, got {keep_normal!r}.'
            )
        if source is not None and (
            not isinstance(source, str) or source.upper() not in KNOWN_SOURCES
        ):
            raise ValueError(
                f'source must be one of {KNOWN_SOURCES} or None, got '
                f'{source!r}.'
            )
        if not osp.isdir(data_root):
            raise FileNotFoundError(
                f'{data_root}: prepared data folder not found; create it '
                f'with tools/dataset_converters/busi.py (or udiat.py) RAW '
                f'{data_root}, see the README, section "Data".'
            )
        meta = read_meta(data_root)
        check_source(data_root, meta, source)
        prepared = meta.get('num_folds')
        prepared = int(prepared) if _is_int(prepared) else None
        if None not in (num_folds, prepared) and num_folds != prepared:
            raise ValueError(
                f'num_folds={num_folds} but {data_root} was prepared with '
                f'{prepared} folds (meta.json); set num_folds={prepared}, or '
                f're-run the converter with --folds {num_folds} --overwrite.'
            )
        #: Number of folds of the prepared folder (None if unknown).
        self.num_folds = prepared if prepared is not None else num_folds
        if (
            split != 'all'
            and self.num_folds is not None
            and fold >= self.num_folds
        ):
            raise ValueError(
                f'fold must be in 0..{self.num_folds - 1} for {data_root} '
                f'({self.num_folds} folds), got {fold}.'
            )
        self.fold = int(fold)
        self.split = split
        self.keep_normal = keep_normal
        self.source = source
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        if keep_normal:
            metainfo.setdefault('cls_classes', CLASS_NAMES)
        super().__init__(
            data_root=data_root,
            data_prefix=dict(img_path='images', seg_map_path='masks'),
            img_suffix='.png',
            seg_map_suffix='.png',
            metainfo=metainfo,
            pipeline=pipeline or [],
            **kwargs,
        )

    def _read_labels(self) -> dict:
        path = osp.join(self.data_root, 'labels.csv')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path}: not found; {self.data_root} is not a prepared '
                f'folder. Run tools/dataset_converters/busi.py (or '
                f'udiat.py) RAW {self.data_root}.'
            )
        labels = {}
        with open(path, newline='', encoding='utf-8') as f:
            reader = csv.DictReader(f)
            if not {'filename', 'label'} <= set(reader.fieldnames or []):
                raise ValueError(
                    f'{path}: header {reader.fieldnames} lacks the columns '
                    f'filename,label; re-run the converter.'
                )
            for r, row in enumerate(reader, start=2):
                try:
                    labels[row['filename']] = int(row['label'])
                except (TypeError, ValueError) as e:
                    raise ValueError(
                        f'{path} row {r}: label {row["label"]!r} is not an '
                        f'int; run tools/dataset_converters/verify.py '
                        f'{self.data_root}.'
                    ) from e
        return labels

    def _read_split(self, names: Sequence[str]) -> List[str]:
        if self.split == 'all':
            return sorted(names)
        path = osp.join(
            self.data_root, 'splits', f'fold_{self.fold}_{self.split}.txt'
        )
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path}: split file for fold {self.fold} not found; the '
                f'splits/ folder is incomplete. Run '
                f'tools/dataset_converters/verify.py {self.data_root}, and '
                f're-run the converter with --overwrite.'
            )
        with open(path, encoding='utf-8') as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        unknown = [ln for ln in lines if ln not in names]
        if unknown:
            raise ValueError(
                f'{path}: {len(unknown)} name(s) without a row in '
                f'labels.csv (first: {unknown[0]}); run '
                f'tools/dataset_converters/verify.py {self.data_root}.'
            )
        return lines

    def load_data_list(self) -> List[dict]:
        """Data infos of the selected fold and split.

        Returns:
            list[dict]: ``img_path``, ``seg_map_path``, ``gt_label`` (int),
            ``label_map``, ``reduce_zero_label``, ``seg_fields`` each.
        """
        labels = self._read_labels()
        data_list = []
        for name in self._read_split(labels):
            label = labels[name]
            if label == 2 and not self.keep_normal:
                continue
            data_list.append(
                dict(
                    img_path=osp.join(self.data_prefix['img_path'], name),
                    seg_map_path=osp.join(
                        self.data_prefix['seg_map_path'], name
                    ),
                    gt_label=label,
                    label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[],
                )
            )
        return data_list
