"""The one place uploads enter the Streamlit pages (``uploaded_bytes``); the galleries and the
``Picture`` they make are in ``boundary_core.data.gallery``."""

UPLOAD_STATE_KEY = "upload_bytes"  # session-state hook: tests put bytes here to "upload" them


def uploaded_bytes(upload) -> bytes | None:
    """The bytes to treat as the upload: the file uploader's, else
    ``session_state[UPLOAD_STATE_KEY]`` (AppTest cannot drive a file uploader, so tests inject
    bytes there; the real uploader always wins)."""
    import streamlit as st

    if upload is not None:
        return upload.getvalue()
    return st.session_state.get(UPLOAD_STATE_KEY)
