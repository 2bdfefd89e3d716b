from boundary_core.models.registry import (
    ModelSpec,
    default_pair,
    get_spec,
    ladders,
    list_models,
    load_model,
    pairs,
    register,
    shipped_pair,
)

__all__ = [
    "ModelSpec",
    "default_pair",
    "get_spec",
    "ladders",
    "list_models",
    "load_model",
    "pairs",
    "register",
    "shipped_pair",
]
