"""Imports every module that registers models (each calls ``registry.register`` at import)."""

import importlib

for _name in ("boundary_core.models.cifar10", "boundary_core.models.shapes"):
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as _error:
        if _error.name != _name:
            raise
