"""Boundary search: find the closest point across the decision boundary (paper §4, App. B.2)."""
