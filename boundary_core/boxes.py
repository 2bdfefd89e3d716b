"""The image box, defined once: ``(x0, y0, x1, y1)`` integer pixel coordinates, half-open.

A box covers columns ``x0 <= x < x1`` and rows ``y0 <= y < y1`` (``x`` is the column), like the
numpy slice ``[y0:y1, x0:x1]``. The shapes data draws boxes and the localization metrics score
against them; both import ``Box`` and ``mask_box`` from here. (The 2-D toy's plot window is a
different thing, ``boundary_core.toy.polygons.ToyBox``.)
"""

import numpy as np

Box = tuple[int, int, int, int]  # (x0, y0, x1, y1), half-open pixel coordinates


def mask_box(mask: np.ndarray) -> Box:
    """Tight half-open box ``(x0, y0, x1, y1)`` of a boolean ``(H, W)`` mask.

    ``(0, 0, 0, 0)`` (an empty box) when the mask has no ``True`` pixel.
    """
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return (0, 0, 0, 0)
    return (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
