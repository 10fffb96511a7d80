"""mmcosa: multi-task breast-ultrasound segmentation and classification.

``import mmcosa`` makes the pinned OpenMMLab stack usable (see
:mod:`mmcosa.utils.compat`) and registers every mmcosa component into
mmseg's registries, so configs can use ``default_scope = 'mmseg'`` with
``custom_imports = dict(imports=['mmcosa'])``.
"""

from .utils.compat import apply_compat

apply_compat()

# Registration side effects: importing the subpackages fills the registries.
from . import apis, datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__, version_info  # noqa: E402

__all__ = ['__version__', 'version_info']
