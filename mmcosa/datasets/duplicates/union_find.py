"""Disjoint sets for grouping duplicate images transitively."""

from typing import Dict, List

__all__ = ['UnionFind']


class UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving and union by size.

    Args:
        n (int): Number of elements.
    """

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, a: int) -> int:
        """Representative of the set holding ``a``."""
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        """Merge the sets holding ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def groups(self) -> List[List[int]]:
        """Sets of two or more elements, each sorted, by smallest element."""
        out: Dict[int, List[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return sorted((g for g in out.values() if len(g) > 1), key=min)
