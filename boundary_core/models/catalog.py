"""Imports every module that registers models (each calls ``registry.register`` at import)."""

from boundary_core.models import cifar10, shapes, zoo  # noqa: F401

# isort: split
from boundary_core.models import user_entries  # noqa: F401  (last: user models, see its docstring)
