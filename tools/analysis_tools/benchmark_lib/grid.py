"""Markdown tables of the benchmark's reports."""

from typing import List

__all__ = ['grid']


def grid(header: List[str], rows: List[List[str]]) -> str:
    """A markdown table with right-aligned numbers."""
    widths = [
        max(len(str(r[i])) for r in [header] + rows)
        for i in range(len(header))
    ]
    lines = [
        '| ' + ' | '.join(h.ljust(w) for h, w in zip(header, widths)) + ' |',
        '|' + '|'.join('-' * (w + 1) + ':' for w in widths) + '|',
    ]
    for r in rows:
        cells = [r[0].ljust(widths[0])]
        cells += [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
