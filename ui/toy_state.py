"""The toy pages' shared settings and trained nets (one cache: Theory reuses the Playground's net).

Streamlit deletes a widget's key once a run does not draw that widget, so the Theory page cannot
read the Playground's widget keys: after any interaction there they are gone (and Theory fell back
to the default net). The settings the two pages share therefore live in a plain session-state dict
of their own (``SHARED``), written by ``remember`` after the Playground's widgets ran and read by
``shared_value``; ``restore`` puts them back into the widget keys when the Playground is drawn
again. Every setting is also in the URL (``ui.state.init``/``publish``), so a view can be shared.
"""

from dataclasses import dataclass

import streamlit as st

from boundary_core.toy import TOY_DATASETS, TRAININGS, ToyTrainConfig, make_data
from boundary_core.toy.train import TrainingRun, start_training, train_epochs
from ui.state import init, init_many

WIDTHS = {"8, 8": (8, 8), "16, 16": (16, 16), "32, 32": (32, 32), "16, 16, 16": (16, 16, 16)}
SHARED = "toy_shared"  # session_state[SHARED]: {widget key: value}, never a widget key itself
# One range for every preset: a slider whose range changes is reset by Streamlit.
BOXES = [box for _, _, box in TOY_DATASETS.values()]
QUERY_RANGE = tuple(f(b[i] for b in BOXES) for i, f in enumerate((min, max) * 2))
SHOW = {
    "edges": "region edges",
    "sm": "SM",
    "bsm": "BSM",
    "ig": "IG path",
    "big": "BIG path",
    "search": "searched x'",
    "guided": "Guided IG path",
    "idgi": "IDGI weights",
}


@dataclass(frozen=True)
class Interval:
    """Options for ``ui.state.init`` that are a closed range of numbers (a slider's)."""

    low: float
    high: float

    def __contains__(self, value) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high


def two_decimals(raw) -> float:
    return round(float(raw), 2)


# key: (default, options, parse); the net keys come first (Theory reads those)
NET = {
    "toy_preset": ("moons", tuple(TOY_DATASETS), str),
    "toy_widths": ("16, 16", tuple(WIDTHS), str),
    "toy_mode": ("standard", TRAININGS, str),
    "toy_eps": (0.25, Interval(0.05, 0.6), two_decimals),
    "toy_seed": (0, range(100), int),
}
VIEW = {
    "toy_qx": (0.3, Interval(*QUERY_RANGE[:2]), two_decimals),
    "toy_qy": (0.2, Interval(*QUERY_RANGE[2:]), two_decimals),
    "toy_base": ("origin (0, 0)", ("origin (0, 0)", "box corner"), str),
    "toy_search": ("fast", ("fast", "paper"), str),
    "toy_sigma": (0.0, Interval(0.0, 0.8), two_decimals),
}
SETTINGS = {**NET, **VIEW}
KEYS = (*SETTINGS, "toy_show")


def restore() -> None:
    """Before the Playground's widgets: each key from the widget (still drawn), else the URL,
    else what the toy pages remembered, else its default (``ui.state.init``)."""
    shared = st.session_state.get(SHARED, {})
    for key, (default, options, parse) in SETTINGS.items():
        if key not in st.session_state and key not in st.query_params and key in shared:
            st.session_state[key] = shared[key]
        init(key, default, options, parse)
    if "toy_show" not in st.session_state and "toy_show" not in st.query_params:
        if "toy_show" in shared:
            st.session_state["toy_show"] = shared["toy_show"]
    init_many("toy_show", list(SHOW), list(SHOW))


def remember() -> None:
    """After the Playground's widgets: copy their values where Streamlit will not delete them."""
    st.session_state[SHARED] = {key: st.session_state[key] for key in KEYS}


def shared_value(key: str):
    """A net setting for a page that does not draw the Playground's widgets (Theory): the
    remembered value, else the URL's (when valid), else the default."""
    default, options, parse = SETTINGS[key]
    shared = st.session_state.get(SHARED, {})
    if key in shared:
        return shared[key]
    raw = st.query_params.get(key)
    try:
        value = default if raw is None else parse(raw)
    except (TypeError, ValueError):
        return default
    return value if value in options else default


def net_key(values: dict) -> tuple:
    """``(preset, widths, mode, eps, seed)`` from setting values; ε only counts when adversarial."""
    mode = values["toy_mode"]
    eps = float(values["toy_eps"]) if mode == "adversarial" else 0.0
    return values["toy_preset"], values["toy_widths"], mode, eps, int(values["toy_seed"])


def shared_net_key() -> tuple:
    return net_key({key: shared_value(key) for key in NET})


def fresh_run(key: tuple) -> TrainingRun:
    """An untrained run (epoch 0) of the net ``key``, for the Playground's Reset."""
    preset, widths, mode, eps, seed = key
    config = ToyTrainConfig(mode=mode, eps=eps)
    return start_training(make_data(preset, seed=seed), WIDTHS[widths], config=config, seed=seed)


@st.cache_resource(show_spinner="training the toy net (a few seconds)")
def trained_run(preset: str, widths: str, mode: str, eps: float, seed: int) -> TrainingRun:
    """The fully trained net with its loss curve. Shared by every session: never advance it."""
    run = fresh_run((preset, widths, mode, eps, seed))
    return train_epochs(run, run.config.epochs)


def trained(preset: str, widths: str, mode: str, eps: float, seed: int):
    """``(data, model)`` of the fully trained net."""
    run = trained_run(preset, widths, mode, eps, seed)
    return run.data, run.model
