"""Boundary search: find the closest point across the decision boundary (paper §4, App. B.2)."""

from boundary_core.search.ensemble import PaperBudget
from boundary_core.search.find import PRESETS, find_boundary
from boundary_core.search.result import BoundaryResult

__all__ = ["PRESETS", "BoundaryResult", "PaperBudget", "find_boundary"]
