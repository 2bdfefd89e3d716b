"""Heatmaps you can hover: a plotly figure of map panels that shows each pixel's value.

A plot builder (STYLE rule 14): takes ``boundary_core.render.Panel`` tiles and returns a
``go.Figure``, testable without Streamlit. Each map is a ``go.Image`` of the same overlay the
tiles show, with the map's values as ``customdata`` so the hover label reads the number under
the cursor (in the map's units, as the colour bar).
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from boundary_core.heatmap import to_uint8

TILE = 220  # pixels per subplot


def hover_figure(panels, columns: int = 4, title: str = "") -> go.Figure:
    """One subplot per map panel (panels with ``values``), hover = that pixel's value."""
    maps = [panel for panel in panels if getattr(panel, "values", None) is not None]
    if not maps:
        raise ValueError("hover_figure needs panels with values (maps from panel_images)")
    columns = min(columns, len(maps))
    rows = (len(maps) + columns - 1) // columns
    figure = make_subplots(
        rows, columns, subplot_titles=[panel.caption for panel in maps], horizontal_spacing=0.02
    )
    for index, panel in enumerate(maps):
        figure.add_trace(
            go.Image(
                z=to_uint8(panel.rgb),
                customdata=panel.values.astype(np.float32),  # (H, W)
                name=panel.caption,
                hovertemplate=(
                    f"{panel.caption}<br>x %{{x}}, y %{{y}}<br>value %{{customdata:.3g}}"
                    "<extra></extra>"
                ),
            ),
            index // columns + 1,
            index % columns + 1,
        )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(
        title=title or None,
        height=rows * TILE + (60 if title else 30),
        margin={"l": 4, "r": 30, "t": 50 if title else 24, "b": 4},
        modebar={"orientation": "v"},  # on the right edge, off the subplot titles
    )
    return figure


def figure_alt(panels, context: str = "") -> str:
    """A text alternative for the whole figure: which maps, of what."""
    names = ", ".join(p.caption for p in panels if getattr(p, "values", None) is not None)
    where = f" of {context}" if context else ""
    return f"Interactive heatmaps ({names}){where}: hover a pixel to read the map's value there."
