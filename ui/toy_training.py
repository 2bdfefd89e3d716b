"""Reset / Step / Play for the toy net with its loss curve, as in TensorFlow Playground.

The page shows the fully trained net (shared, cached) until the user presses Reset: from then on
it shows this session's own run (``session_state[RUN]``), which Step advances by ``STEP_EPOCHS``
epochs and Play advances once per rerun until it is paused or the training schedule ends.
"""

import plotly.graph_objects as go
import streamlit as st

from boundary_core.toy.train import TrainingRun, train_epochs
from ui.toy_state import fresh_run, trained_run

RUN = "toy_run"  # session_state: (net key, TrainingRun) of this session's own training
PLAYING = "toy_playing"
STEP_EPOCHS = 20


def current_run(key: tuple) -> TrainingRun:
    """This session's run of net ``key`` if it pressed Reset, else the fully trained net."""
    own = st.session_state.get(RUN)
    return own[1] if own is not None and own[0] == key else trained_run(*key)


def _reset(key: tuple) -> None:
    st.session_state[RUN] = (key, fresh_run(key))
    st.session_state[PLAYING] = False


def _step(key: tuple) -> None:
    own = st.session_state.get(RUN)
    if own is not None and own[0] == key:
        train_epochs(own[1], STEP_EPOCHS)


def _toggle_play() -> None:
    st.session_state[PLAYING] = not st.session_state.get(PLAYING, False)


def loss_figure(run: TrainingRun) -> go.Figure:
    """Cross-entropy per epoch so far, on the whole schedule's epoch axis."""
    figure = go.Figure(
        go.Scatter(
            x=list(range(1, run.epoch + 1)),
            y=run.losses,
            mode="lines",
            name="training loss",
            line=dict(color="black", width=2),
        )
    )
    figure.update_layout(
        height=170,
        margin=dict(l=10, r=10, t=26, b=10),
        title=dict(text="training loss (cross-entropy)", font_size=13),
        xaxis=dict(range=[0, run.config.epochs], title_text="epoch"),
        yaxis=dict(rangemode="tozero"),
        showlegend=False,
    )
    return figure


def training_controls(key: tuple) -> TrainingRun:
    """Reset / Step / Play buttons, the epoch, and the loss curve; returns the run to show."""
    run = current_run(key)
    playing = st.session_state.get(PLAYING, False) and not run.done
    buttons = st.container(horizontal=True)  # a row also on a phone (columns would stack)
    buttons.button("Reset", on_click=_reset, args=(key,), help="a freshly initialised net")
    own = st.session_state.get(RUN) is not None and st.session_state[RUN][0] == key
    buttons.button(
        "Step",
        on_click=_step,
        args=(key,),
        disabled=not own or run.done,
        help=f"train {STEP_EPOCHS} epochs (after Reset)",
    )
    buttons.button(
        "Pause" if playing else "Play",
        on_click=_toggle_play,
        disabled=not own or run.done,
        help="keep training, redrawing after every step",
    )
    if not own:
        state = "fully trained; press Reset to train it step by step"
    else:
        state = "done" if run.done else ("training" if playing else "paused")
    st.caption(f"epoch {run.epoch} of {run.config.epochs} ({state})")
    if run.losses:
        st.plotly_chart(loss_figure(run), config={"displayModeBar": False}, key="toy_loss")
    return run


def keep_playing(key: tuple) -> None:
    """At the end of a run of the page: while playing, train one more step and draw again."""
    own = st.session_state.get(RUN)
    if not st.session_state.get(PLAYING) or own is None or own[0] != key or own[1].done:
        st.session_state[PLAYING] = False
        return
    train_epochs(own[1], STEP_EPOCHS)
    st.rerun()
