"""The only Streamlit-aware helpers: shared widgets, cached resources, URL state.

Pages import from here; the library (`mobilenet_viz`) never imports Streamlit.
"""
