"""Counterfactuals: erase a region (a rectangle or the distractor object) and see whether the
prediction changes as the maps claim it should."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from boundary_core.boxes import Box
from boundary_core.data.gallery import Picture, erase_rectangle, without_distractor
from boundary_core.methods import label as method_label
from boundary_core.metrics import energy_game
from boundary_core.render import image_key, image_rgb, upscale
from ui.compute import cached_prediction
from ui.state import init

FILLS = ("mean", "black", "white", "blur")


@dataclass(frozen=True)
class Erasure:
    image: np.ndarray  # (3, H, W) the edited input
    box: Box  # the erased region's bounding box
    description: str


def _span(text: str) -> tuple[int, int]:
    low, high = (int(v) for v in text.strip("()[] ").split(","))
    return low, high


def erase_controls(picture: Picture) -> Erasure:
    """Sidebar widgets: erase the distractor (shapes images that have one) or a rectangle."""
    size = picture.image.shape[-1]
    modes = ["rectangle", "distractor object"] if picture.distractor_box else ["rectangle"]
    init("erase", modes[0], modes)
    mode = st.radio("Erase", modes, key="erase", horizontal=True)
    if mode == "distractor object":
        image = without_distractor(picture)
        return Erasure(image, picture.distractor_box, "distractor object removed (re-painted)")
    x0, y0, x1, y1 = picture.box or (size // 4, size // 4, 3 * size // 4, 3 * size // 4)
    for key, default in (("cols", (x0, x1)), ("rows", (y0, y1))):
        init(key, default, kind=_span)
        low, high = st.session_state[key]
        if not 0 <= low <= high <= size:  # e.g. kept from a larger image
            st.session_state[key] = default
    init("fill", "mean", FILLS)
    cols = st.slider("Rectangle columns", 0, size, key="cols")
    rows = st.slider("Rectangle rows", 0, size, key="rows")
    fill = st.selectbox("Fill with", FILLS, key="fill", help="mean = the image's mean colour")
    box = (cols[0], rows[0], cols[1], rows[1])
    return Erasure(erase_rectangle(picture.image, box, fill), box, f"rectangle filled ({fill})")


def share_inside(attribution: np.ndarray, box: Box) -> float:
    """Fraction of a map's positive attribution inside ``box``: the energy game (EG, App. B.1),
    ``boundary_core.metrics.energy_game`` with its NaN rules (no positives, an all-zero or
    non-finite map, an empty box or one covering the whole image)."""
    return energy_game(attribution, box)


def claims_frame(maps: dict[str, np.ndarray], box) -> pd.DataFrame:
    shares = {method_label(name): [share_inside(values, box)] for name, values in maps.items()}
    return pd.DataFrame(shares, index=["share inside"])  # one row: a map per column


def prediction_frame(model: str, images: dict[str, np.ndarray], class_names, top: int = 3):
    """Top classes of each image with probabilities, one column per image."""
    columns = {}
    for label, image in images.items():
        p = cached_prediction(model, image_key(image), image)
        order = np.argsort(p)[::-1][:top]
        columns[label] = [f"{class_names[i]} {p[i]:.3f}" for i in order]
    return pd.DataFrame(columns, index=[f"#{k + 1}" for k in range(top)])


def counterfactual_view(model: str, picture: Picture, erasure: Erasure, result: dict) -> None:
    """Original and edited image, predictions before/after, and what each map claimed."""
    names = result["class_names"]
    before = cached_prediction(model, image_key(picture.image), picture.image)
    after = cached_prediction(model, image_key(erasure.image), erasure.image)
    predicted = int(np.argmax(before))
    left, middle, right = st.columns([1, 1, 2])
    left.image(
        upscale(image_rgb(picture.image), 192, erasure.box),
        caption="original, region outlined",
        width="stretch",
    )
    middle.image(
        upscale(image_rgb(erasure.image), 192), caption=erasure.description, width="stretch"
    )
    with right:
        changed = int(np.argmax(after)) != predicted
        st.metric(
            f"p({names[predicted]})",
            f"{after[predicted]:.3f}",
            f"{after[predicted] - before[predicted]:+.3f}",
        )
        (st.warning if changed else st.success)(
            f"Prediction {'changed to ' + names[int(np.argmax(after))] if changed else 'kept'}."
        )
        st.dataframe(
            prediction_frame(model, {"before": picture.image, "after": erasure.image}, names),
            width="stretch",
        )
    st.markdown(
        "**What each map claimed about this region**: the share of its positive attribution "
        "inside it (a large share predicts a large drop when it is erased)"
    )
    st.dataframe(
        claims_frame(result["maps"], erasure.box).style.format("{:.2f}", na_rep="–"),
        width="stretch",
    )
