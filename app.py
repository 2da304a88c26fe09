"""MobileNet Lab: the router. Run with `streamlit run app.py`."""

import streamlit as st
from streamlit.errors import FragmentHandledException

from ui import crash, join_qr, stage, startup
from ui.layout import sidebar
from ui.params import EndPageRun
from ui.presenter import share_links

st.set_page_config(page_title="MobileNet Lab", page_icon=":material/memory:", layout="wide")
startup.start()  # once per process: preload heavy imports, then gc.freeze() (keeps per-run GC cheap)

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page(
        "pages/separable.py", title="Standard vs depthwise separable", icon=":material/call_split:"
    ),
    st.Page("pages/filters.py", title="How the filters work", icon=":material/filter:"),
    st.Page(
        "pages/inverted_residual.py", title="Inverted residual block", icon=":material/swap_vert:"
    ),
    st.Page("pages/architectures.py", title="Architectures", icon=":material/account_tree:"),
    st.Page("pages/mobilenet_v3.py", title="MobileNetV3", icon=":material/bolt:"),
    st.Page("pages/classify.py", title="Classify", icon=":material/image_search:"),
    st.Page("pages/on_a_phone.py", title="On a phone (int8)", icon=":material/smartphone:"),
    st.Page("pages/class_questions.py", title="Class questions", icon=":material/quiz:"),
]

page = st.navigation(PAGES)
sidebar()
stage.inject_css()  # formulas that scroll in their box, the phone and projector layouts
try:
    page.run()
except EndPageRun:  # the page ended early on purpose (PageParams.stop) and has said why
    pass
except FragmentHandledException:  # Streamlit's own signal: re-raise
    raise
except Exception as exc:  # noqa: BLE001 - a bug: log it with an id, show the id, keep the sidebar
    crash.report(exc, page.url_path or "home")
share_links(page.url_path)  # after the page: the links carry the settings it wrote
join_qr.sidebar(page.url_path)  # the same student link as a QR code, with the LAN address
