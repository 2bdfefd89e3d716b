"""Boundary Attribution Explorer core: UI-free library behind the app and the CLI.

Every image tensor is ``(B, C, H, W)`` float in ``[0, 1]`` pixel space; normalisation lives
inside the models, so every epsilon and distance in this package is in pixel units.
"""

__version__ = "0.1.0"
