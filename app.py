"""Boundary Attribution Explorer: the entry point (`streamlit run app.py`) and its navigation.

Every file in ``pages/`` is a page (titles and URLs come from the file names, e.g.
``pages/1_Explain.py`` → "Explain" at ``/Explain``); the Home page is ``ui.home.home``.
"""

from pathlib import Path

import streamlit as st

from ui.home import home

st.set_page_config(page_title="Boundary Attribution Explorer", page_icon="🧭", layout="wide")
pages = [st.Page(home, title="Home", default=True)]
pages += [
    st.Page(path) for path in sorted((Path(__file__).resolve().parent / "pages").glob("*.py"))
]
st.navigation(pages).run()
