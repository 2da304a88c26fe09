"""Streamlit side of the Class page: the shared store, the PIN gate and its form, a session's
identity, and the class code as a URL value."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import streamlit as st

from mobilenet_viz import settings
from mobilenet_viz.classroom import class_store
from mobilenet_viz.classroom.teacher_pin import PinGate, PinLocked, process_gate

SESSION_ID = "cls_session_id"
TEACHER = "cls_teacher"


@st.cache_resource(show_spinner=False)
def _store(path: str) -> class_store.ClassStore:
    return class_store.ClassStore(path)


def store() -> class_store.ClassStore:
    """The process's ClassStore for the current data directory (opened and migrated once)."""
    return _store(str(settings.data_dir() / class_store.DB_NAME))


def session_id() -> str:
    """A random id for this browser session (no login): a student's identity for answers."""
    if SESSION_ID not in st.session_state:
        st.session_state[SESSION_ID] = secrets.token_urlsafe(16)
    return st.session_state[SESSION_ID]


def gate() -> PinGate:
    return process_gate()


def is_teacher() -> bool:
    return bool(st.session_state.get(TEACHER, False))


@dataclass(frozen=True)
class CodeParam:
    """A class code in the URL (``?code=K7QPM``) for ``ui.params.PageParams``; empty = none."""

    default: str = ""

    def parse(self, raw: str) -> str:
        return class_store.normalize_code(raw) if raw.strip() else ""

    def format(self, value: str) -> str:
        try:
            return class_store.normalize_code(value) if value else ""
        except ValueError:
            return ""


def teacher_login() -> None:
    """The folded "unlock" form: the PIN printed in the server's terminal makes this session the
    teacher's; wrong PINs are counted and locked out by the process's gate."""
    with st.expander("Teacher: unlock the controls", icon=":material/lock:", expanded=False):
        st.caption(
            "The PIN is printed in the terminal where the server was started (`streamlit run app.py`)."
        )
        with st.form("cls_pin_form", border=False):
            pin = st.text_input("Teacher PIN", type="password", key="cls_pin", max_chars=32)
            unlock = st.form_submit_button("Unlock", icon=":material/lock_open:")
        if not unlock:
            return
        me = session_id()
        try:
            ok = gate().check(me, pin)
        except (PinLocked, ValueError) as exc:  # ValueError: a malformed MOBILENET_VIZ_TEACHER_PIN
            st.error(f"{exc}.", icon=":material/lock:")
            return
        if ok:
            st.session_state[TEACHER] = True
            st.rerun()
        left = gate().attempts_left(me)
        st.error(
            f"Wrong PIN ({left} {'try' if left == 1 else 'tries'} left in this session).",
            icon=":material/lock:",
        )
