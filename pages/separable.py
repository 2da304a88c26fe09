"""Work in progress."""

import streamlit as st

st.title("separable")
