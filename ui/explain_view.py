"""The Explain page's live parts: target choice with the top-5, maps drawn as they finish, the
search's progress with an estimate and Cancel, and x against x′."""

import numpy as np
import pandas as pd
import streamlit as st

from boundary_core.data.gallery import Picture
from boundary_core.heatmap import amplified_perturbation
from boundary_core.models import get_spec
from boundary_core.render import image_key, image_rgb, panel_images, upscale
from boundary_core.search import PRESETS
from ui import compute, search_jobs
from ui.state import init
from ui.views import tile

PREDICTED = "predicted"
CANCELLED_KEY = "cancelled_search"  # session state: the search key the user cancelled


def target_controls(model: str, picture: Picture) -> int | None:
    """The top-5 probabilities and the class the maps explain (None: the predicted one)."""
    names = get_spec(model).class_names
    probabilities = compute.cached_prediction(model, image_key(picture.image), picture.image)
    order = np.argsort(probabilities)[::-1]
    left, right = st.columns([3, 2])
    top = pd.DataFrame(
        {"class": [names[i] for i in order[:5]], "probability": probabilities[order[:5]]}
    )
    left.dataframe(
        top,
        hide_index=True,
        width="stretch",
        column_config={
            "probability": st.column_config.ProgressColumn(
                "probability", format="%.3f", min_value=0.0, max_value=1.0
            )
        },
    )
    options = [PREDICTED, *[names[i] for i in order[1:]]]
    init("target", PREDICTED, options)
    choice = right.selectbox(
        "Explain the class",
        options,
        key="target",
        format_func=lambda c: f"{names[order[0]]} (the predicted class)" if c == PREDICTED else c,
        help="The class whose logit every map explains. BSM and BIG keep the same x′ (the "
        "nearest point where the prediction changes), so a new class needs no new search. "
        "While you look at a view, the maps of the other top-5 classes are computed in "
        "the background, so switching to them is quick.",
    )
    right.caption("Red pushes towards this class, blue away from it (every style).")
    return None if choice == PREDICTED else names.index(choice)


def preset_note(model_name: str, image: np.ndarray, preset: str, steps) -> str | None:
    """A sentence comparing this search's x′ with the other preset's, when both are cached for
    this image (default budgets for the other one): which one found the closer point."""
    mine = compute.stored_search(model_name, image, preset, steps)
    other = next((p for p in PRESETS if p != preset), None)
    theirs = compute.stored_search(model_name, image, other, None) if other else None
    if mine is None or theirs is None or not (mine["found"][0] and theirs["found"][0]):
        return None
    here, there = float(mine["distance"][0]), float(theirs["distance"][0])
    if abs(here - there) <= 1e-6 * max(here, there):
        return f"The {preset} and {other} presets found x′ at the same distance ({here:.4f})."
    far, near = (preset, other) if here > there else (other, preset)
    return (
        f"The **{far}** preset found a farther x′ than the {near} one for this image "
        f"(ℓ2 {max(here, there):.4f} against {min(here, there):.4f}): every search only gives an "
        "upper bound on the distance to the boundary, so the closer point is the better one."
    )


def _cancel(key: tuple) -> None:
    job = search_jobs.running(key)
    if job is not None:
        job.cancel()
    st.session_state[CANCELLED_KEY] = key


def _resume() -> None:
    st.session_state.pop(CANCELLED_KEY, None)


class SearchStatus:
    """The progress bar over the maps still to come, the search's estimate and Cancel."""

    def __init__(self, key: tuple, preset: str, place):
        self.key, self.preset = key, preset
        self.slot = place.empty()
        self.bar = None
        self.cancel_drawn = False
        self.text = "starting…"

    def _draw(self, fraction: float, text: str) -> None:
        if self.bar is None:
            with self.slot.container():
                self.bar = st.progress(0.0, text="starting…")
                self.button = st.empty()
        self.bar.progress(min(max(fraction, 0.0), 1.0), text=text)

    def progress(self, fraction: float, message: str) -> None:
        self._draw(fraction, message)

    def waiting(self, job: search_jobs.SearchJob) -> None:
        left = job.seconds_left()
        estimate = f", about {left:.0f} s left" if left is not None else ""
        text = (
            f"Searching x′ ({self.preset} preset): {job.message} · {job.elapsed:.0f} s"
            f"{estimate}. The maps that need no x′ are shown; BSM and BIG follow."
        )
        self._draw(job.fraction, text)
        if not self.cancel_drawn:
            self.cancel_drawn = True
            self.button.button("Cancel the search", on_click=_cancel, args=(self.key,))

    def clear(self) -> None:
        self.slot.empty()


def explain_live(request: compute.Request, cells: list, style, picture: Picture, place) -> dict:
    """Run ``request``, drawing each map into its cell as it finishes (cells in panel order:
    input first), the progress and notes into ``place`` (a container above the cells)."""
    key = compute.search_key(request.model, request.image, request.preset, request.steps)
    cancelled = st.session_state.get(CANCELLED_KEY) == key
    status = SearchStatus(key, request.preset, place)
    index = {m: i + 1 for i, m in enumerate(request.methods)}
    cells[0].image(
        upscale(image_rgb(request.image), 192, picture.box, picture.distractor_box),
        caption="input",
        width="stretch",
    )

    names = get_spec(request.model).class_names
    p = compute.cached_prediction(request.model, image_key(request.image), request.image)
    prediction = {"label": names[int(np.argmax(p))], "probability": float(np.max(p))}

    def draw(method: str, part: dict) -> None:
        if "map" not in part:
            return
        one = {
            "input": request.image,
            "maps": {method: part["map"]},
            "summary": {
                "methods": {method: {"completeness_delta": part["delta"]}},
                "prediction": prediction,
            },
            "boundary": None,
        }
        panel = panel_images(one, style, only=(method,))[-1]
        tile(cells[index[method]], panel, picture)  # its own scale until all maps are known

    result = compute.run(
        request,
        status.progress,
        on_map=draw,
        on_wait=status.waiting,
        search=not cancelled,
        ahead=True,
    )
    status.clear()
    note = preset_note(request.model, request.image, request.preset, request.steps)
    if note:
        place.info(note)
    if cancelled:
        place.warning(
            "The boundary search was cancelled: the maps that need x′ (BSM, BIG, …) are missing."
        )
        place.button("Run the search", on_click=_resume)
    return result


def was_cancelled(result: dict) -> bool:
    """Whether this view's x′ is missing because the user cancelled the search."""
    return compute.CANCELLED in result["summary"]["unavailable"].values()


def prediction_only(result: dict) -> None:
    """The headline's prediction alone (no search result to report after a cancel)."""
    prediction = result["summary"]["prediction"]
    st.metric(
        "Prediction",
        prediction["label"],
        f"p = {prediction['probability']:.3f}",
        delta_color="off",
        delta_arrow="off",
    )


def fill_cells(cells: list, panels, picture: Picture, gain: float | None) -> None:
    """Every panel in its cell (the final drawing, once the whole view is known: shared colour
    scales need every map), with alt texts; the amplification factor beside x′ − x."""
    for cell, panel in zip(cells, panels, strict=False):
        caption = panel.caption
        if caption.startswith("x′ − x") and gain is not None:
            caption = f"x′ − x (amplified ×{gain:.3g})"
        tile(cell, panel, picture, caption=caption)


def amplification(result: dict) -> float | None:
    """The gain ``heatmap.amplified_perturbation`` uses by default: 0.5 / max |x′ − x|."""
    if result["boundary"] is None:
        return None
    largest = float(np.abs(result["boundary"] - result["input"]).max())
    return 0.5 / largest if largest > 0 else None


@st.fragment
def compare_boundary(result: dict, picture: Picture) -> None:
    """x, x′ and every mix (1 − t)·x + t·x′ on a slider, beside the amplified perturbation."""
    if result["boundary"] is None:
        return
    x, boundary = result["input"], result["boundary"]
    summary = result["summary"]
    st.subheader("x against x′")
    init("blend", 1.0, kind=lambda v: min(max(float(v), 0.0), 1.0))
    with st.container(key="tiles_boundary"):  # side by side on a phone too
        left, right = st.columns(2)
    with left:
        t = st.slider(
            "t: show (1 − t)·x + t·x′",
            0.0,
            1.0,
            step=0.05,
            key="blend",
            help="0 = the image, 1 = the boundary point x′. The change is small (ℓ2 "
            f"{summary['boundary']['distance_l2']:.3f}); slide to see where it is.",
        )
        mix = (1 - t) * x + t * boundary
        st.image(
            upscale(image_rgb(mix), 256, picture.box),
            caption=f"t = {t:.2f}",
            alt=f"the image moved a fraction {t:.2f} of the way to its boundary point x′",
        )
    gain = amplification(result)
    with right:
        shown = amplified_perturbation(x, boundary, gain=gain)
        st.image(
            upscale(shown, 256),
            caption=f"x′ − x, amplified ×{gain:.3g}",
            alt=f"the change from x to x′, each pixel's change times {gain:.3g} around mid-grey",
        )
        largest = 0.5 / gain if gain else 0.0
        st.caption(
            f"Each pixel's change times {gain:.3g} around mid-grey: the largest change, "
            f"{largest:.3f} of the pixel range, just reaches black or white. "
            f"x is {summary['prediction']['label']}; x′ is {summary['boundary']['label']}."
        )
