from .hooks import *  # noqa: F401,F403
from .hooks import __all__ as _hooks_all
from .runners import *  # noqa: F401,F403
from .runners import __all__ as _runners_all

__all__ = list(_hooks_all) + list(_runners_all)
