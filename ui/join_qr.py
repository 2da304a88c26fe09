"""Join by QR code: the student link of the current page as a QR code, for phones to scan.

The link is the share box's student link (``presenter.student_link``: this page, its settings,
no ``present=1``) with the browser's address replaced by one a phone on the classroom network
can reach (``mobilenet_viz.classroom.lan.choose_base``: ``MOBILENET_VIZ_PUBLIC_URL``, Streamlit's
``browser.serverAddress``/``server.port``, the machine's LAN address, read locally without
sending any packet). Shown in the sidebar on every page (open by default in presenter mode) and
large on the Class page.
"""

from __future__ import annotations

import streamlit as st
from streamlit import config

from mobilenet_viz import settings
from mobilenet_viz.classroom import lan
from ui import presenter
from ui.text import md


@st.cache_data(ttl=30, max_entries=64, show_spinner=False)
def _base(
    browser_url: str | None,
    public_url: str | None,
    server_address: str | None,
    server_port: int,
    browser_address: str | None,
    browser_port: int | None,
) -> lan.Base:
    # Interface addresses are re-read every 30 s at most (a laptop may change networks).
    return lan.choose_base(
        browser_url,
        public_url=public_url,
        server_address=server_address,
        server_port=server_port,
        browser_server_address=browser_address,
        browser_server_port=browser_port,
    )


@st.cache_data(max_entries=256, show_spinner=False)
def qr_png(link: str) -> bytes:
    return lan.qr_png(link, scale=10)


def _browser_url() -> str | None:
    try:
        return st.context.url
    except Exception:  # noqa: BLE001 - no browser context (AppTest)
        return None


def base() -> lan.Base:
    """Where student links point (see ``mobilenet_viz.classroom.lan``)."""
    manual = config.is_manually_set
    try:
        return _base(
            _browser_url(),
            settings.public_url(),
            config.get_option("server.address"),
            int(config.get_option("server.port")),
            config.get_option("browser.serverAddress") if manual("browser.serverAddress") else None,
            int(config.get_option("browser.serverPort")) if manual("browser.serverPort") else None,
        )
    except (
        ValueError
    ) as exc:  # a malformed MOBILENET_VIZ_PUBLIC_URL: say so, use the browser's address
        st.sidebar.error(md(exc), icon=":material/link_off:")
        return lan.choose_base(_browser_url(), server_address="127.0.0.1")


def join_link(url_path: str) -> tuple[str, lan.Base]:
    """(the student link with the LAN address, the base it used)."""
    b = base()
    return lan.rebase(presenter.student_link(url_path), b), b


def show_qr(link: str, b: lan.Base, *, width: int | str = "stretch") -> None:
    """The QR code, the link under it as text, and the base's note if any."""
    try:
        png = qr_png(link)
    except ValueError as exc:  # a link too long for a QR code
        st.warning(md(exc), icon=":material/qr_code_2:")
        return
    st.image(png, width=width, caption="Scan with a phone's camera")
    st.code(link, language=None, wrap_lines=True)
    if b.note:
        st.caption(md(b.note))


def sidebar(url_path: str) -> None:
    """The "Join on a phone" box in the sidebar: open, with the QR code, in presenter mode and for
    a teacher who unlocked the Class page; elsewhere a toggle draws it on request (making a QR code
    costs server CPU per new link, README "Classroom use", which 30 students moving sliders need
    not spend)."""
    from ui import classroom

    teacher = presenter.is_on() or classroom.is_teacher()
    with st.sidebar.expander(
        "Join on a phone: QR code", icon=":material/qr_code_2:", expanded=teacher
    ):
        if teacher or st.toggle("Show the QR code", key="join_qr_show"):
            link, b = join_link(url_path)
            show_qr(link, b)
