"""UI-side helpers for the Streamlit pages (plot builders that return figures)."""
