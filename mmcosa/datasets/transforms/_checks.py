"""Argument checks shared by the mmcosa transforms."""

from numbers import Real
from typing import Sequence, Tuple, Union

__all__ = ['check_odd_range', 'check_prob', 'check_range']


def check_prob(name: str, prob) -> float:
    """``prob`` as a float in [0, 1], else ValueError / TypeError."""
    if isinstance(prob, bool) or not isinstance(prob, Real):
        raise TypeError(f'{name} must be a float in [0, 1], got {prob!r}')
    if not 0.0 <= float(prob) <= 1.0:
        raise ValueError(f'{name} must be in [0, 1], got {prob}')
    return float(prob)


def check_range(
    name: str, value: Union[Real, Sequence[Real]], low: float
) -> Tuple[float, float]:
    """A number or ``(min, max)`` pair, each ``> low``, as a pair."""
    if isinstance(value, Real) and not isinstance(value, bool):
        value = (value, value)
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(
            isinstance(v, Real) and not isinstance(v, bool) for v in value
        )
    ):
        raise TypeError(
            f'{name} must be a number or a (min, max) pair, got {value!r}'
        )
    lo, hi = float(value[0]), float(value[1])
    if lo <= low or hi < lo:
        raise ValueError(
            f'{name} must satisfy {low} < min <= max, got {value!r}'
        )
    return lo, hi


def check_odd_range(
    name: str, value: Union[int, Sequence[int]]
) -> Tuple[int, int]:
    """An odd kernel size or ``(min, max)`` pair of odd sizes >= 3."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        )
    ):
        raise TypeError(
            f'{name} must be an odd int or a (min, max) pair of '
            f'odd ints, got {value!r}'
        )
    lo, hi = value
    if lo < 3 or hi < lo or lo % 2 == 0 or hi % 2 == 0:
        raise ValueError(
            f'{name} must be odd ints with 3 <= min <= max, got {value!r}'
        )
    return lo, hi
