"""Work in progress (filled in by its issue)."""

import streamlit as st

st.title("inverted_residual")
