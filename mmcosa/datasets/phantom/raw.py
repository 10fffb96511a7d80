"""Write a phantom folder in the layout of a downloaded real data set."""

import time
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

from mmengine.logging import print_log

from .raw_busi import write_busi_raw
from .raw_udiat import write_udiat_raw
from .safe_output import atomic_output_dir

__all__ = ['LAYOUTS', 'make_phantom_raw']

LAYOUTS = ('busi', 'udiat')
MIN_NUM = dict(busi=10, udiat=6)


def make_phantom_raw(
    out: Union[str, Path],
    layout: str = 'busi',
    num: Optional[int] = None,
    seed: int = 0,
    size_range: Optional[Tuple[Tuple[int, int], Tuple[int, int]]] = None,
    write_csv: bool = False,
    p_atypical: float = 0.15,
) -> Dict:
    """Write phantom cases as the real data set is distributed.

    ``busi``: ``OUT/Dataset_BUSI_with_GT/{benign,malignant,normal}/`` (see
    :func:`~.raw_busi.write_busi_raw`); ``udiat``: ``OUT/original/``,
    ``OUT/GT/``, ``OUT/DatasetB.xlsx`` (see
    :func:`~.raw_udiat.write_udiat_raw`). The folder is written beside
    ``OUT`` and renamed into place when complete.

    Args:
        out (str | Path): Output folder; must not exist or be empty.
        layout (str): 'busi' or 'udiat'.
        num (int, optional): Rendered cases (BUSI >= 10, duplicates come
            on top; UDIAT >= 6, its duplicate included). Defaults to 60
            (BUSI) / 40 (UDIAT).
        seed (int): Seed. Defaults to 0.
        size_range (tuple, optional): ``((h_min, h_max), (w_min, w_max))``
            of the images. Defaults to the writer's (about 190-330 px).
        write_csv (bool): UDIAT only: also write ``DatasetB.csv``.
        p_atypical (float): Probability of an atypical lesion.

    Returns:
        dict: The writer's manifest; ``manifest['root']`` is the folder to
        give the converter (``OUT/Dataset_BUSI_with_GT`` for BUSI, ``OUT``
        for UDIAT), ``duration_s`` the time taken.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'layout must be one of {LAYOUTS}, got {layout!r}')
    if num is None:
        num = 60 if layout == 'busi' else 40
    if isinstance(num, bool) or not isinstance(num, int):
        raise TypeError(f'num must be an int, got {num!r}')
    if num < MIN_NUM[layout]:
        raise ValueError(
            f'num must be >= {MIN_NUM[layout]} for the {layout} '
            f'layout (room for its quirks), got {num}'
        )
    if write_csv and layout != 'udiat':
        raise ValueError('write_csv applies to the udiat layout only')
    out = Path(out)
    kwargs = dict(num=num, seed=seed, p_atypical=p_atypical)
    if size_range is not None:
        kwargs['size_range'] = size_range
    start = time.perf_counter()
    with atomic_output_dir(out) as tmp:
        if layout == 'busi':
            manifest = write_busi_raw(tmp, **kwargs)
        else:
            manifest = write_udiat_raw(tmp, write_csv=write_csv, **kwargs)
    # paths inside the manifest are relative to its root; point it at out
    manifest['root'] = str(out / Path(manifest['root']).relative_to(tmp))
    manifest['duration_s'] = time.perf_counter() - start
    print_log(
        f'phantom {layout}: wrote {sum(manifest["counts"].values())} images '
        f'{manifest["counts"]} to {manifest["root"]} in '
        f'{manifest["duration_s"]:.1f} s',
        logger='current',
    )
    return manifest
