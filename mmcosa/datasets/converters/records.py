"""Plain records passed from the raw-layout readers to the writer."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import List

from ..metainfo import CLASS_NAMES

__all__ = ['RawSample', 'CollectResult']


@dataclass
class RawSample:
    """One raw image with its masks and label.

    Attributes:
        name (str): Output stem, unique in the data set (``benign_0001``).
        image (Path): The raw image file.
        masks (list[Path]): Raw mask files, merged by union; empty for a
            normal image that ships without a mask.
        label (int): 0 benign, 1 malignant, 2 normal (the ids of
            :data:`mmcosa.datasets.metainfo.CLASS_NAMES`).
        diagnosis (str): Histological diagnosis when the source gives one.
    """

    name: str
    image: Path
    masks: List[Path]
    label: int
    diagnosis: str = ''

    @property
    def class_name(self) -> str:
        """Name of :attr:`label` (``'benign'``, ...)."""
        return CLASS_NAMES[self.label]


@dataclass
class CollectResult:
    """What a raw-layout reader found.

    Attributes:
        samples (list[RawSample]): Images to convert.
        problems (list[str]): Bad input, one message per file naming it
            and the fix; fatal unless the user asked to skip bad files.
        skipped (list[str]): Files left out on purpose, with the reason
            (operating-system files, sub-folders).
        excluded (dict[str, int]): Images left out by an option, counted
            per reason (``'normal'``).
        provenance (dict): Where the reader took what it did not find in
            the file names (``labels``: the sheet read), stored with the
            options in ``meta.json``.
    """

    samples: List[RawSample] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    excluded: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
