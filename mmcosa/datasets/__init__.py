# Importing the subpackages registers their components.
from . import phantom, transforms  # noqa: F401

__all__ = []
