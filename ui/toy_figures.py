"""Plotly figures for the toy playground and theory pages; every builder returns a Figure.

No Streamlit here, so the figures can be built and checked in tests.
"""

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from boundary_core.toy import ToyData, ToyExplanation, ToyGeometry
from boundary_core.toy.boundary import class_cells
from boundary_core.toy.er import OneLayerCurve, er_activation, smoothed_relu_monte_carlo
from boundary_core.toy.smoothing import SampledGrid, SmoothingCurve

CLASS_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))
SHADES = (0.55, 0.68, 0.8, 0.9)  # mix with white: one colour family per class, regions in shades
BELOW = dict(orientation="h", yanchor="top", y=-0.2, x=0)  # a legend under the axes
ARROW = 0.45  # drawn length of the SM / BSM / normal direction arrows, input units


def _rgb(colour, white: float = 0.0) -> str:
    r, g, b = (round(c + (255 - c) * white) for c in colour)
    return f"rgb({r},{g},{b})"


def _paths(polygons) -> tuple[np.ndarray, np.ndarray]:
    """Closed outlines separated by NaN gaps (one trace draws many polygons; arrays are fast)."""
    pieces = [np.vstack([v, v[:1], [np.nan, np.nan]]) for v in polygons]
    joined = np.concatenate(pieces) if pieces else np.zeros((0, 2))
    return joined[:, 0], joined[:, 1]


def _region_traces(geometry: ToyGeometry, edges: bool) -> list:
    groups: dict[tuple[int, int], list] = {}
    regions = geometry.regions.regions
    for vertices, label, index in class_cells(geometry.regions):
        # neighbours differ by one ON neuron, so the ON count mod 4 tells them apart
        shade = int(regions[index].pattern.sum()) % len(SHADES)
        groups.setdefault((label, shade), []).append(vertices)
    traces = []
    for (label, shade), polygons in sorted(groups.items()):
        xs, ys = _paths(polygons)
        colour = _rgb(CLASS_COLOURS[label % len(CLASS_COLOURS)], SHADES[shade])
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                fillcolor=colour,
                mode="lines",
                line_width=0,
                hoverinfo="skip",
                showlegend=False,
            )
        )
    if edges:
        xs, ys = _paths(r.vertices for r in geometry.regions.regions)
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line=dict(color="rgba(60,60,60,0.35)", width=0.6),
                hoverinfo="skip",
                name="region edges",
            )
        )
    return traces


def _boundary_trace(geometry: ToyGeometry) -> go.Scatter:
    segments = geometry.boundary
    gap = np.full_like(segments.start, np.nan)
    points = np.stack([segments.start, segments.end, gap], axis=1).reshape(-1, 2)  # (3S, 2)
    return go.Scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="lines",
        line=dict(color="black", width=3.5),
        name="decision boundary",
    )


def _data_traces(data: ToyData) -> list:
    x, y = data.x.numpy(), data.y.numpy()
    return [
        go.Scatter(
            x=x[y == c, 0],
            y=x[y == c, 1],
            mode="markers",
            name=name,
            marker=dict(color=_rgb(CLASS_COLOURS[c]), size=6, line=dict(color="white", width=1)),
        )
        for c, name in enumerate(data.class_names)
    ]


def _arrow(start, vector, colour: str, name: str, dash: str = "solid") -> go.Scatter:
    norm = float(np.linalg.norm(vector))
    end = start + ARROW * np.asarray(vector) / max(norm, 1e-12)
    return go.Scatter(
        x=[start[0], end[0]],
        y=[start[1], end[1]],
        mode="lines+markers",
        name=name,
        line=dict(color=colour, width=3, dash=dash),
        marker=dict(symbol="arrow", angleref="previous", size=[0, 14], color=colour),
    )


def _path_trace(pieces, colour: str, name: str) -> go.Scatter:
    points = pieces.start + pieces.t[:, None] * (pieces.end - pieces.start)
    return go.Scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="lines+markers",
        name=name,
        line=dict(color=colour, width=2, dash="dot"),
        marker=dict(size=4, color=colour),
        hovertemplate="region crossing (%{x:.3f}, %{y:.3f})<extra></extra>",
    )


def guided_path_trace(path) -> go.Scatter:
    """Guided IG's path (``toy.path_methods.ToyGuidedPath``) from the baseline to x."""
    return go.Scatter(
        x=path.points[:, 0],
        y=path.points[:, 1],
        mode="lines",
        name="Guided IG path",
        line=dict(color="seagreen", width=2.5),
        hovertemplate="guided path (%{x:.3f}, %{y:.3f})<extra></extra>",
    )


def idgi_weight_trace(idgi) -> go.Scatter:
    """IDGI along the straight IG path (``toy.path_methods.IdgiPieces``): one marker per linear
    piece, coloured by the share of that piece's logit change given to x₁ (the rest goes to x₂),
    sized by the size of the change."""
    pieces = idgi.pieces
    middle = (pieces.t[:-1] + pieces.t[1:]) / 2
    points = pieces.start + middle[:, None] * (pieces.end - pieces.start)  # (M, 2)
    change = np.abs(idgi.logit_steps)
    sizes = 6 + 14 * change / max(float(change.max()), 1e-12)
    return go.Scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="markers",
        name="IDGI weights",
        customdata=np.column_stack([idgi.weights, idgi.logit_steps]),
        marker=dict(
            size=sizes,
            color=idgi.weights[:, 0],
            cmin=0.0,
            cmax=1.0,
            colorscale="Cividis",
            line=dict(color="black", width=1),
            showscale=False,  # the caption names the scale: a bar costs a phone's width
        ),
        hovertemplate="IDGI: share to x₁ %{customdata[0]:.2f}, to x₂ %{customdata[1]:.2f}; "
        "logit change %{customdata[2]:+.3f}<extra></extra>",
    )


def _explanation_traces(explanation: ToyExplanation, show: set[str], search_point) -> list:
    query = explanation.query
    traces = [_arrow(query, explanation.sm, "crimson", "SM direction")] if "sm" in show else []
    if "ig" in show:
        traces.append(_path_trace(explanation.ig_path, "gray", "IG path (baseline → x)"))
    closest = explanation.boundary
    if closest is not None:
        if "big" in show:
            traces.append(_path_trace(explanation.big_path, "purple", "BIG path (x' → x)"))
        if "bsm" in show:
            traces.append(_arrow(closest.point, explanation.bsm, "darkorange", "BSM direction"))
        traces.append(_arrow(closest.point, closest.normal, "black", "segment normal", "dash"))
        traces.append(
            go.Scatter(
                x=[closest.point[0]],
                y=[closest.point[1]],
                mode="markers",
                name="exact x'",
                marker=dict(
                    symbol="diamond", size=12, color="gold", line=dict(color="black", width=1)
                ),
            )
        )
    if search_point is not None and "search" in show:
        traces.append(
            go.Scatter(
                x=[search_point[0]],
                y=[search_point[1]],
                mode="markers",
                name="searched x'",
                marker=dict(symbol="x", size=11, color="magenta"),
            )
        )
    traces.append(
        go.Scatter(
            x=[query[0]],
            y=[query[1]],
            mode="markers",
            name="query x",
            marker=dict(
                symbol="star", size=16, color="yellow", line=dict(color="black", width=1.5)
            ),
        )
    )
    return traces


def _click_grid(box, resolution: int = 50) -> go.Scatter:
    """Invisible markers covering the box, so a click anywhere selects a point (sets the query)."""
    xs, ys = np.meshgrid(
        np.linspace(box[0], box[1], resolution), np.linspace(box[2], box[3], resolution)
    )
    return go.Scatter(
        x=xs.ravel(),
        y=ys.ravel(),
        mode="markers",
        name="click to move x",
        showlegend=False,
        marker=dict(size=9, color="rgba(0,0,0,0)"),
        hovertemplate="(%{x:.2f}, %{y:.2f})<extra></extra>",
    )


SMOOTHED_COLOUR = "darkcyan"


def smoothed_boundary_trace(grid: SampledGrid, sigma: float) -> go.Scatter:
    """The smoothed net's boundary traced on a sampled grid (not exact), as one dashed line
    drawn above the region fills (a contour trace would sit under every scatter fill)."""
    pieces = [np.vstack([line, [[np.nan, np.nan]]]) for line in grid.boundary_lines()]
    joined = np.concatenate(pieces) if pieces else np.zeros((0, 2))  # polylines, NaN gaps
    return go.Scatter(
        x=joined[:, 0],
        y=joined[:, 1],
        mode="lines",
        line=dict(color=SMOOTHED_COLOUR, width=3.5, dash="dash"),
        hoverinfo="skip",
        name=f"smoothed boundary σ={sigma:g}",
    )


def smoothed_point_trace(point, sigma: float) -> go.Scatter:
    """The smoothed net's closest boundary point x′_σ (searched), in the smoothed line's colour."""
    return go.Scatter(
        x=[point[0]],
        y=[point[1]],
        mode="markers",
        name=f"smoothed x' σ={sigma:g}",
        marker=dict(symbol="diamond-open", size=13, color=SMOOTHED_COLOUR, line_width=3),
    )


def playground_figure(
    geometry: ToyGeometry,
    data: ToyData,
    explanation: ToyExplanation | None = None,
    *,
    show: set[str] = frozenset({"edges", "sm", "bsm", "ig", "big", "search"}),
    search_point=None,
    smoothed: tuple[SampledGrid, float] | None = None,
    smoothed_point=None,
    clickable: bool = True,
    guided=None,
    idgi=None,
) -> go.Figure:
    """Regions (a colour family per class), exact boundary, data, and the query's story;
    ``smoothed`` adds the smoothed net's boundary (and ``smoothed_point`` its x′_σ);
    ``guided`` / ``idgi`` add Guided IG's path and IDGI's weights along the IG path."""
    traces = [*_region_traces(geometry, "edges" in show), _boundary_trace(geometry)]
    if smoothed is not None:
        traces.append(smoothed_boundary_trace(*smoothed))
    traces += _data_traces(data)
    if explanation is not None:
        traces += _explanation_traces(explanation, set(show), search_point)
    if smoothed is not None and smoothed_point is not None:
        traces.append(smoothed_point_trace(smoothed_point, smoothed[1]))
    traces += [guided_path_trace(guided)] if guided is not None else []
    traces += [idgi_weight_trace(idgi)] if idgi is not None else []
    if clickable:
        traces.append(_click_grid(geometry.box))
    box = geometry.box
    figure = go.Figure(traces)
    figure.update_layout(
        height=560,
        margin=dict(l=10, r=10, t=10, b=10),
        clickmode="event+select",
        # equal scales; the axis with room to spare shrinks, towards the legend's corner
        xaxis=dict(range=box[:2], constrain="domain", constraintoward="left"),
        dragmode=False,
        yaxis=dict(
            range=box[2:],
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            constraintoward="bottom",
        ),
        # below the plot: the modebar and Streamlit's toolbar sit at its top right
        legend=dict(
            orientation="h",
            yanchor="top",
            y=-0.07,
            x=0,
            entrywidth=0.5,
            entrywidthmode="fraction",
            font=dict(size=10),
        ),  # two entries a row, on a phone too
        plot_bgcolor="white",
    )
    return figure


def er_figure(scales, *, monte_carlo_samples: int = 20_000, seed: int = 0) -> go.Figure:
    """Er(u; s) for several s next to ReLU (paper Fig. 8), with Monte Carlo dots as a check."""
    u = torch.linspace(-3, 3, 241, dtype=torch.float64)
    coarse = torch.linspace(-3, 3, 25, dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed)
    figure = go.Figure(
        go.Scatter(x=u.numpy(), y=torch.relu(u).numpy(), name="ReLU (s = 0)", line_color="black")
    )
    for i, s in enumerate(scales):
        colour = _rgb(CLASS_COLOURS[i % len(CLASS_COLOURS)])
        figure.add_scatter(
            x=u.numpy(), y=er_activation(u, s).numpy(), name=f"Er(u; s={s:g})", line_color=colour
        )
        sampled = smoothed_relu_monte_carlo(
            coarse, s, samples=monte_carlo_samples, generator=generator
        )
        figure.add_scatter(
            x=coarse.numpy(),
            y=sampled.numpy(),
            mode="markers",
            name=f"Monte Carlo, s={s:g}",
            marker=dict(color=colour, size=6, symbol="circle-open"),
        )
    figure.update_layout(
        height=420,
        margin=dict(t=30, b=10),
        xaxis_title="pre-activation u",
        yaxis_title="E ReLU(u + s·ε)",
        legend=BELOW,
    )
    return figure


def bound_figure(curve: OneLayerCurve) -> go.Figure:
    """Corollary 3.4: measured ‖g(x) − g(x')‖ on the Er net and the bound λ(σ), log σ axis."""
    figure = go.Figure()
    figure.add_scatter(x=curve.sigmas, y=curve.bound, name="bound λ(σ) (eq. 19)", line_dash="dash")
    figure.add_scatter(
        x=curve.sigmas, y=curve.measured, name="measured ‖g(x) − g(x′)‖", mode="lines+markers"
    )
    figure.update_layout(
        height=360,
        margin=dict(t=30, b=10),
        xaxis_type="log",
        xaxis_title="σ",
        yaxis_title="saliency gap",
        legend=BELOW,
    )
    return figure


def smoothing_figure(curve: SmoothingCurve) -> go.Figure:
    """Fig. 11 in 2-D: ‖SM − BSM‖ and cos(SM, BSM) of the smoothed net against σ."""
    figure = make_subplots(  # stacked, so each panel keeps the width of a phone
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("‖SM − BSM‖ (mean)", "cos(SM, BSM) (mean)"),
    )
    figure.add_scatter(
        x=curve.sigmas, y=curve.distance, mode="lines+markers", row=1, col=1, name="‖SM − BSM‖"
    )
    figure.add_scatter(
        x=curve.sigmas, y=curve.cosine, mode="lines+markers", row=2, col=1, name="cosine"
    )
    figure.update_xaxes(title_text="σ (0 = the net itself)", row=2, col=1)
    figure.update_layout(height=440, margin=dict(t=40, b=10), showlegend=False)
    return figure
