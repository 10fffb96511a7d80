"""Ground truth of the BUSI phantom's duplicates, from its list of pairs.

:func:`duplicate_truth` turns the pairs the writer made into the
manifest's group keys (connected components, members in order of first
appearance), the conflicts (groups whose labels differ) and the text traps
(unrelated images sharing one burnt-in text at the same place).
"""

from typing import Dict, Hashable, Iterable, List, Sequence

__all__ = ['components', 'duplicate_truth']


def components(
    pairs: Iterable[Sequence[Hashable]],
) -> List[List[Hashable]]:
    """Connected components of the pairs' graph (each of size >= 2).

    Args:
        pairs (Iterable): ``(a, b)`` edges.

    Returns:
        list[list]: Components, members and components in order of first
        appearance.
    """
    parent: Dict[Hashable, Hashable] = {}

    def find(x: Hashable) -> Hashable:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        for x in (a, b):
            parent.setdefault(x, x)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    groups: Dict[Hashable, List[Hashable]] = {}
    for x in parent:  # dicts keep insertion order
        groups.setdefault(find(x), []).append(x)
    return [g for g in groups.values() if len(g) > 1]


def duplicate_truth(
    pairs: List[Dict], labels: Dict[str, int], texts: Dict[str, List]
) -> Dict:
    """Group keys of the manifest from the duplicate pairs.

    Args:
        pairs (list[dict]): ``duplicate_pairs`` entries (``a``, ``b``,
            ``kind``, ``level``, ``transform``).
        labels (dict): Image path -> label (0, 1, 2).
        texts (dict): Image path -> texts burnt into that image
            (``(text, (x, y), scale)``), in image order.

    Returns:
        dict: ``exact_duplicates`` (groups of byte-identical files),
        ``near_duplicates`` (groups joined by every other pair, same-frame
        and same-lesion alike: what must share a fold), ``conflicts``
        (groups of either kind whose members' labels differ) and
        ``text_traps`` (lists of images, at most one per duplicate group,
        sharing one text at one place).
    """
    exact = components((p['a'], p['b']) for p in pairs if p['kind'] == 'exact')
    near = components((p['a'], p['b']) for p in pairs if p['kind'] != 'exact')
    everything = components((p['a'], p['b']) for p in pairs)
    group_of = {m: k for k, g in enumerate(everything) for m in g}
    conflicts = [g for g in exact + near if len({labels[m] for m in g}) > 1]
    by_text: Dict[tuple, Dict] = {}
    for path, marks in texts.items():
        for text, org, scale in marks:
            key = (text, tuple(org), scale)
            members = by_text.setdefault(key, {})
            members.setdefault(group_of.get(path, path), path)
    traps = [list(m.values()) for m in by_text.values() if len(m) > 1]
    return dict(
        exact_duplicates=exact,
        near_duplicates=near,
        conflicts=conflicts,
        text_traps=traps,
    )
