from boundary_core.models.registry import ModelSpec, get_spec, list_models, load_model, register

__all__ = ["ModelSpec", "get_spec", "list_models", "load_model", "register"]
