"""Streamlit side of the Class page: the shared store, the PIN gate and a session's identity."""

from __future__ import annotations

import secrets

import streamlit as st

from mobilenet_viz.classroom import class_store
from mobilenet_viz.classroom.teacher_pin import PinGate, process_gate

SESSION_ID = "cls_session_id"
TEACHER = "cls_teacher"


@st.cache_resource(show_spinner=False)
def _store(path: str) -> class_store.ClassStore:
    return class_store.ClassStore(path)


def store() -> class_store.ClassStore:
    """The process's ClassStore for the current data directory (opened and migrated once)."""
    return _store(str(class_store.default_data_dir() / class_store.DB_NAME))


def session_id() -> str:
    """A random id for this browser session (no login): a student's identity for answers."""
    if SESSION_ID not in st.session_state:
        st.session_state[SESSION_ID] = secrets.token_urlsafe(16)
    return st.session_state[SESSION_ID]


def gate() -> PinGate:
    return process_gate()


def is_teacher() -> bool:
    return bool(st.session_state.get(TEACHER, False))
