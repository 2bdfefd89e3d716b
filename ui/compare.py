"""Standard vs robust (paper Fig. 3/4 and Table 1 for one image) and the baseline comparison of
Fig. 7/12: Streamlit drawing blocks over cached results."""

import pandas as pd
import streamlit as st

from boundary_core.data.gallery import Picture
from boundary_core.methods import ALIGNMENT_PAIRS, label
from boundary_core.models import get_spec
from boundary_core.models.download import download_model
from boundary_core.render import HeatmapStyle, image_rgb, panel_images, shared_scales
from ui.compute import alignment
from ui.layout import method_glossary
from ui.views import colour_bars, hover_maps, tile

FIGURE3 = ("sm", "bsm", "ig_black", "big")  # the paper's Figure 3/4 columns
SAME = 0.02  # 1 − cos differences below this are called "about as close", not a finding


def download_prompt(names) -> None:
    """``download_buttons`` for the models of ``names`` not on this machine; stops the page
    while any is missing."""
    missing = [name for name in names if not get_spec(name).available]
    download_buttons(missing)
    if missing:
        st.stop()


def download_buttons(missing) -> None:
    """For each model of ``missing``: what it is, and a button that downloads it with a progress
    bar (then the page reruns)."""
    for name in missing:
        spec = get_spec(name)
        size = f", {spec.source.size / 2**20:.0f} MiB" if spec.source.size else ""
        st.info(f"**{name}** needs a download ({spec.source.location}{size}): {spec.description}")
        if st.button(f"Download {name}", key=f"download_{name}"):
            download_model(name, progress=_download_bar(name))
            st.rerun()


def _download_bar(name: str):
    bar = st.progress(0.0, text=f"downloading {name}…")

    def update(done: int, total: int | None) -> None:
        fraction = min(done / total, 1.0) if total else 0.0
        bar.progress(fraction, text=f"downloading {name}: {done / 2**20:.0f} MiB")

    return update


def tiles(
    result: dict, methods, style: HeatmapStyle, picture: Picture, with_input=True, scales=None
):
    """Panels: the input, the chosen maps (missing ones skipped) and x′; ``scales`` as
    ``render.panel_images`` (shared across models when given)."""
    shown = tuple(name for name in methods if name in result["maps"])
    panels = panel_images(result, style, shown, scales=scales, deltas=False)
    out = panels if with_input else panels[1:]
    if result["boundary"] is not None:
        out.append(("boundary point x′", image_rgb(result["boundary"])))
    return out


def tile_row(
    panels, picture: Picture | None, columns: int | None = None, key: str = "tiles_row"
) -> None:
    """One row of tiles; ``key`` (unique on the page, starting with "tiles") lets the phone
    layout (``ui.layout``) keep two tiles side by side."""
    with st.container(key=key):
        grid = st.columns(columns or len(panels))
    for column, panel in zip(grid, panels, strict=False):
        tile(column, panel, picture if picture and picture.box else None)


def row_label(name: str, result: dict) -> str:
    summary = result["summary"]
    prediction, boundary = summary["prediction"], summary["boundary"]
    text = f"**{name}** → {prediction['label']} (p = {prediction['probability']:.2f})"
    if boundary["found"]:
        text += f"; x′ is {boundary['label']} at ℓ2 distance {boundary['distance_l2']:.3f}"
    else:
        text += "; the search found **no boundary point**, so there is no BSM or BIG"
    return text


def figure3_grid(results: dict[str, dict], picture: Picture, style: HeatmapStyle) -> None:
    """One row per model: input, SM, BSM, IG, BIG, x′ (paper Fig. 3/4), colour bars (once
    for a scale shared across models, else per row) and the maps' hover values."""
    scales = shared_scales(results.values(), style, FIGURE3) if style.scale == "models" else None
    rows = {
        name: tiles(result, FIGURE3, style, picture, scales=scales)
        for name, result in results.items()
    }
    for name, panels in rows.items():
        st.markdown(row_label(name, results[name]))
        tile_row(panels, picture, 6, key=f"tiles_{name}")
        if scales is None:
            colour_bars(panels)
    if scales is not None:
        colour_bars(
            [panel for panels in rows.values() for panel in panels],
            f"Colour scale shared by {' and '.join(rows)}:",
        )
    for name, panels in rows.items():
        hover_maps(panels, f"figure3_{name}", name)


def alignment_frame(results: dict[str, dict]) -> pd.DataFrame:
    """Rows ‖SM−BSM‖, ‖IG−BIG‖ and their 1 − cos; one column per model (Table 1, one image)."""
    rows = {
        "‖SM − BSM‖ (raw ℓ2)": "sm_bsm_l2",
        "1 − cos(SM, BSM)": "sm_bsm_cosine",
        "‖IG − BIG‖ (raw ℓ2)": "ig_big_l2",
        "1 − cos(IG, BIG)": "ig_big_cosine",
    }
    numbers = {name: alignment(result) for name, result in results.items()}
    frame = pd.DataFrame(
        {name: [numbers[name][key] for key in rows.values()] for name in results},
        index=list(rows),
        dtype=float,  # a missing map gives None: NaN, shown as "–"
    )
    return frame


def alignment_sentences(numbers: dict[str, dict], where: str = "for this image") -> str:
    """What the alignment numbers of two models (standard first) show, one sentence per pair,
    written from the numbers: the paper's claim (the robust model's SM is closer to its BSM, IG
    to BIG) is checked, not assumed. ``numbers[model]["<pair>_<l2|cosine>"]`` may be None."""
    (standard, low), (robust, high) = list(numbers.items())[:2]
    lines = []
    for pair in ("sm_bsm", "ig_big"):
        name = ALIGNMENT_PAIRS[pair].label
        first, second = ALIGNMENT_PAIRS[pair].first, ALIGNMENT_PAIRS[pair].second
        cos = (low.get(f"{pair}_cosine"), high.get(f"{pair}_cosine"))
        l2 = (low.get(f"{pair}_l2"), high.get(f"{pair}_l2"))
        if None in cos:
            lines.append(f"- **{name}**: not available {where} (a map is missing).")
            continue
        change = cos[0] - cos[1]  # > 0: the robust model's maps are closer
        if abs(change) < SAME:
            verdict = (
                f"about as close in direction on both models (they differ by {abs(change):.3f})"
            )
        elif change > 0:
            verdict = "closer in direction on the robust model, as the paper claims"
        else:
            verdict = (
                "**farther** in direction on the robust model: the paper's claim does not "
                f"hold {where}"
            )
        text = (
            f"- **{name}**: 1 − cos is {cos[0]:.3f} on `{standard}` and {cos[1]:.3f} on "
            f"`{robust}`, so {label(first)} is, to {label(second)}, {verdict}."
        )
        if None not in l2:
            trend = "falls" if l2[1] < l2[0] else "rises"
            text += f" Raw ℓ2 {trend} from {l2[0]:.3g} to {l2[1]:.3g}" + (
                " (partly because robust gradients are smaller)." if l2[1] < l2[0] else "."
            )
        lines.append(text)
    return "\n".join(lines)


def alignment_table(results: dict[str, dict]) -> None:
    frame = alignment_frame(results)  # st.dataframe shows NaN as "None" whatever the Styler says
    shown = frame.map(lambda value: "–" if pd.isna(value) else f"{value:.3f}")
    st.markdown("Lower = the map is closer to its boundary version.")
    st.dataframe(shown, width="stretch")  # narrow index: both models fit on a phone
    numbers = {name: alignment(result) for name, result in results.items()}
    st.markdown("**What these numbers show for this image**\n\n" + alignment_sentences(numbers))
    st.caption(
        "Raw ℓ2 distances shrink partly because robust models have smaller gradients; the cosine "
        "distance (1 − cos) compares directions only. The paper's Table 1 reports raw ℓ2."
    )


def baseline_row(result: dict, picture: Picture, style: HeatmapStyle) -> None:
    """Fig. 7/12: IG with a black and a white baseline next to BIG on one image."""
    methods = ("ig_black", "ig_white", "big")
    panels = tiles(result, methods, style, picture)
    tile_row(panels, picture, 5, key="tiles_baselines")
    colour_bars(panels)
    with st.expander("About these methods"):
        st.markdown(method_glossary(methods))
