"""Widget state that lives in the URL: each shared setting starts from ``?key=value`` when the
value is valid, and the page writes its settings back, so a view can be shared and reopened.

Pattern: ``init(key, default, options)`` before the widget (which is created with ``key=`` and
no default of its own), then ``publish(keys)`` once every widget has run.
"""

import logging
import math
from collections.abc import Callable, Sequence
from contextlib import contextmanager

import streamlit as st

from boundary_core.limits import request_steps

LOG = logging.getLogger("boundary_explorer")


def _parse(raw, default, options: Sequence | None, kind: Callable, bounds=None):
    """``kind(raw)`` if it is one of ``options`` and within ``bounds`` (low, high); else
    ``default``. A NaN or infinity anywhere in ``raw`` (``?alpha=nan``) is never a value."""
    if not _finite(raw):
        return default
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        return default
    if options is not None and value not in options:
        return default
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        return default
    return value


def _finite(raw) -> bool:
    """False when a comma-separated part of ``raw`` reads as a NaN or an infinite float."""
    for part in str(raw).split(","):
        try:
            number = float(part)
        except ValueError:
            continue
        if not math.isfinite(number):
            return False
    return True


def url_value(key: str) -> str | None:
    """The URL's value for a single-valued ``key``: the last one when the key is repeated
    (``?model=a&model=b`` → ``b``, as a later parameter overrides an earlier one)."""
    values = st.query_params.get_all(key)
    return values[-1] if values else None


def init(
    key: str,
    default,
    options: Sequence | None = None,
    kind: Callable = str,
    bounds: tuple[float, float] | None = None,
) -> None:
    """Set ``session_state[key]`` once: from the URL if valid there (finite, one of ``options``,
    within ``bounds``), else ``default``; reset it to ``default`` when it is no longer one of
    ``options`` (e.g. another model's list)."""
    if key in st.session_state:
        if options is not None and st.session_state[key] not in options:
            st.session_state[key] = default
        return
    raw = url_value(key)
    st.session_state[key] = default if raw is None else _parse(raw, default, options, kind, bounds)


def within_budget(key: str, options: Sequence[str], preset: str) -> None:
    """Before the search-budget widget: steps over one browser request's budget for ``preset``
    (``limits.REQUEST_SEARCH_STEPS``), from the URL or an earlier choice, become the largest of
    ``options`` within it, and the page says so (``st.warning``); never silently."""
    raw = st.session_state.get(key, url_value(key))
    try:
        asked = int(raw)
    except (TypeError, ValueError):
        return
    cap, message = request_steps(preset, asked)
    if message is None:
        return
    st.session_state[key] = [o for o in options if o.isdigit() and int(o) <= cap][-1]
    st.warning(message)


def init_many(key: str, default: Sequence, options: Sequence) -> None:
    """``init`` for a multiselect: ``?key=a&key=b``; unknown entries are dropped."""
    if key in st.session_state:
        return
    raw = st.query_params.get_all(key)
    chosen = [value for value in raw if value in options]
    st.session_state[key] = chosen if raw else list(default)


def publish(keys: Sequence[str]) -> None:
    """Write the current value of each key into the URL query string."""
    values = {}
    for key in keys:
        value = st.session_state.get(key)
        if value is None:
            continue
        if isinstance(value, list):  # multiselect: ?key=a&key=b
            values[key] = [str(v) for v in value]
        elif isinstance(value, tuple):  # range slider: ?key=a,b
            values[key] = ",".join(str(v) for v in value)
        else:
            values[key] = str(value)
    if {k: st.query_params.get_all(k) for k in values} != {
        k: v if isinstance(v, list) else [v] for k, v in values.items()
    }:
        st.query_params.from_dict(values)


@contextmanager
def friendly_errors(what: str = "this view"):
    """Run a page body; an unexpected exception becomes a short ``st.error`` (the traceback goes
    to the server log only). ``st.stop``/``st.rerun`` pass through (they are BaseExceptions)."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - last line of defence for users
        LOG.exception("page body failed")
        message = str(error).splitlines()[0][:200] if str(error) else ""
        st.error(
            f"Sorry, {what} could not be computed ({type(error).__name__}"
            f"{': ' + message if message else ''}). Try other settings or another image."
        )


def app_navigation() -> None:
    """Serve this page through ``app.py``'s ``st.navigation`` (which names the Home page).

    A deep link (e.g. ``/Explain?…``) that is a fresh server's first request is run by Streamlit's
    legacy ``pages/`` mode, whose sidebar calls the Home page "app", until some session runs
    ``app.py``. Switching the (process-wide, internal) flag and rerunning once fixes that for
    every later request. Checked by the browser test; Streamlit is pinned, so the flag is stable.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
