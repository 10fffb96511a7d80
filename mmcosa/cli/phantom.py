"""Command lines of ``tools/dataset_converters/make_phantom.py`` and
``tools/misc/phantom_figure.py``."""

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

from mmengine.logging import print_log

from mmcosa.datasets.phantom.figure import phantom_montage
from mmcosa.datasets.phantom.raw import LAYOUTS, make_phantom_raw

__all__ = ['make_phantom_main', 'phantom_figure_main']


def _duplicate_report(manifest: Dict) -> str:
    """One line on the duplicate ground truth of a written folder."""
    if 'duplicate_pairs' not in manifest:  # udiat: one exact pair
        return f'duplicate groups: {manifest["exact_duplicates"]}'
    pairs = manifest['duplicate_pairs']
    kinds = Counter(p['kind'] for p in pairs)
    adjacent = sum(p['level'] == 'same_lesion' for p in pairs)
    return (
        f'duplicate pairs: {len(pairs) - adjacent} same frame, {adjacent} '
        f'same lesion ({", ".join(f"{k} {n}" for k, n in kinds.items())}); '
        f'{len(manifest["conflicts"])} conflict groups; '
        f'{len(manifest["text_traps"])} text traps; '
        f'{len(manifest["marked"])} of {len(manifest["files"])} images '
        f'with calipers or text'
    )


def make_phantom_main(argv: Optional[List[str]] = None) -> int:
    """``make_phantom.py OUT --layout {busi,udiat} [--num N] [--seed S]
    [--csv] [--manifest FILE]``.

    Returns:
        int: 0 on success. A bad ``OUT`` or ``--num`` exits with status 1
        and a message naming it (``SystemExit``).
    """
    parser = argparse.ArgumentParser(
        prog='make_phantom.py',
        description='Write phantom breast-ultrasound cases in the folder '
        'layout of the downloaded BUSI or UDIAT (Dataset B) data set, with '
        'the quirks of the real files, to try the converters without the '
        'real data.',
    )
    parser.add_argument(
        'out', help='output folder (must not exist or be empty)'
    )
    parser.add_argument('--layout', choices=LAYOUTS, default='busi')
    parser.add_argument(
        '--num',
        type=int,
        default=None,
        help='rendered cases (default 60 for busi, 40 for udiat); BUSI adds '
        'its duplicate kinds on top (25 files at 60)',
    )
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--csv', action='store_true', help='udiat: also write DatasetB.csv'
    )
    parser.add_argument(
        '--manifest',
        metavar='FILE',
        help='also write the manifest (files, labels, duplicate pairs with '
        'their true transforms, text traps, marked images) as JSON',
    )
    args = parser.parse_args(argv)
    if args.manifest and Path(args.manifest).exists():
        parser.exit(
            1, f'{parser.prog}: error: {args.manifest} already exists\n'
        )
    try:
        manifest = make_phantom_raw(
            args.out, args.layout, args.num, args.seed, write_csv=args.csv
        )
    except (FileExistsError, ValueError) as err:
        parser.exit(1, f'{parser.prog}: error: {err}\n')
    if args.manifest:
        with open(args.manifest, 'w') as f:
            json.dump(manifest, f, indent=1)
    print_log(
        f'converter input: {manifest["root"]}; {_duplicate_report(manifest)}'
        + (f'; manifest: {args.manifest}' if args.manifest else ''),
        logger='current',
    )
    return 0


def phantom_figure_main(argv: Optional[List[str]] = None) -> int:
    """``phantom_figure.py [OUT] [--seed S] [--per-class N]``."""
    parser = argparse.ArgumentParser(
        prog='phantom_figure.py',
        description='Draw benign and malignant phantom cases with their '
        'mask contours (the README picture).',
    )
    parser.add_argument('out', nargs='?', default='docs/figures/phantom.png')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--per-class', type=int, default=4)
    parser.add_argument('--img-size', type=int, default=256)
    args = parser.parse_args(argv)
    phantom_montage(args.out, args.seed, args.per_class, args.img_size)
    print_log(f'wrote {args.out}', logger='current')
    return 0
