"""The error raised when a raw data set cannot be converted."""

from typing import Sequence

__all__ = ['ConversionError']


class ConversionError(ValueError):
    """A raw data set (or the output folder) is not usable as it is.

    The message names every offending file and says what to do, one
    problem per line, so a user sees all problems of a download at once
    instead of fixing them one run at a time.

    Args:
        problems (Sequence[str]): One message per problem, each naming the
            file and the fix.
        hint (str): A closing line (for example how to skip bad files).
    """

    def __init__(self, problems: Sequence[str], hint: str = '') -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        lines = (
            [f'{len(self.problems)} problem(s):']
            if len(self.problems) > 1
            else []
        )
        lines += [
            f'  - {p}' if len(self.problems) > 1 else p for p in self.problems
        ]
        if hint:
            lines.append(hint)
        super().__init__('\n'.join(lines))
