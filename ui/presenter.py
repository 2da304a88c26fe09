"""Presenter mode: the app projected in a classroom.

Turned on by the sidebar toggle (session key ``present``) or by ``?present=1`` in the address bar,
so a teacher can bookmark a link that opens a page in presenter mode with a given configuration
(the pages keep their own settings in the URL through ``ui.params.PageParams``).

When on: larger text everywhere (the root font size grows, and Streamlit sizes text in rem),
larger chart text and thicker lines (``style_figure``, applied by ``ui.layout.show_plotly``),
black-on-white text, less chrome around the page, secondary controls folded into a "More
settings" expander (``more_controls(...)``), expanders start closed (``expanded(...)``) and the
sidebar starts collapsed when the link is opened.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

import streamlit as st

from ui.params import BoolParam, parse_query

KEY = "present"
_SPEC = BoolParam(False)
_LAST = "_present_qp_last"  # what presenter mode last wrote to the URL ("1" or None)
SHARE_KEY = "share_view"  # the sidebar's "Share this view" expander (open or not)

# Chart scaling in presenter mode (text readable from the back of a classroom).
FONT_SCALE = 1.6
LINE_SCALE = 1.8
BASE_CHART_FONT = 12  # plotly's default layout font size
TITLE_FONT = 13  # chart title size under Streamlit's plotly theme, px
TITLE_WRAP = 42  # characters per line of a chart title in presenter mode

CSS_MARKER = "mnl-presenter-css"
CSS = f"""
<style id="{CSS_MARKER}">
/* Streamlit sizes text in rem: a larger root font scales text, widgets and spacing together. */
html {{ font-size: 21px !important; }}
@media (max-width: 1400px) {{ html {{ font-size: 19px !important; }} }}
/* High contrast: pure black text; captions and labels as dark as body text. */
[data-testid="stAppViewContainer"], [data-testid="stSidebar"] {{ color: #000 !important; }}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"] p,
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] p {{
    color: #000 !important; opacity: 1 !important;
}}
[data-testid="stWidgetLabel"] p {{ font-weight: 600 !important; }}
[data-testid="stMetricValue"] {{ font-weight: 700 !important; }}
h1, h2, h3 {{ color: #000 !important; }}
/* ... except on a primary button's coloured background (the rule above made them black on blue). */
[data-testid^="stBaseButton-primary"] [data-testid="stMarkdownContainer"] p {{ color: #fff !important; }}
a {{ color: #0b3d91 !important; }}
/* Text that is small by default gets projector-sized too. */
[data-testid="stCaptionContainer"] {{ font-size: 0.95rem !important; }}
button[role="tab"] p, [data-testid="stPageLink"] p {{ font-size: 1.05rem !important; font-weight: 600 !important; }}
/* Long metric values wrap instead of ending in an ellipsis. */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *, [data-testid="stMetricLabel"] * {{
    white-space: normal !important; overflow-wrap: anywhere; text-overflow: clip !important;
}}
[data-testid="stMetricValue"] {{ font-size: 2rem !important; line-height: 1.15 !important; }}
/* Tables are drawn on a canvas in pixels, so the larger root font does not reach them: zoom them. */
[data-testid="stDataFrame"] {{ zoom: 1.3; width: 100% !important; max-width: 100% !important; }}
[data-testid="stDataFrame"] > div {{ max-width: 100% !important; }}
/* Less chrome: use the projector's pixels for content (the sidebar's open button stays). */
[data-testid="stMainBlockContainer"] {{ padding-top: 2.2rem !important; padding-bottom: 2rem !important; }}
[data-testid="stDecoration"], [data-testid="stMainMenu"], [data-testid="stAppDeployButton"] {{ display: none !important; }}
</style>
"""


def is_on() -> bool:
    """Whether this session is in presenter mode."""
    return bool(st.session_state.get(KEY, False))


def expanded(default: bool = True) -> bool:
    """``expanded=`` for a page's optional detail: closed in presenter mode."""
    return default and not is_on()


def more_controls(names: str):
    """A ``with`` block for a page's secondary controls: folded into a "More settings" expander in
    presenter mode (the projector shows the essentials), laid out as usual otherwise. Widgets keep
    their values either way (they have keys), so switching modes loses nothing."""
    if is_on():
        return st.expander(f"More settings: {names}", expanded=False, icon=":material/tune:")
    return st.container()


def _restore_from_url() -> None:
    """URL -> session_state, before the toggle is drawn.

    A ``present`` value in the URL is applied when it is not what presenter mode itself wrote
    (the page was opened from a link or the address was edited). An absent value changes
    nothing: page navigation drops the query string, and the mode should survive it.
    Garbage (``?present=banana``, repeated values) falls back to off with one warning.
    """
    raws = st.query_params.get_all(KEY)
    if KEY not in st.session_state:
        st.session_state[KEY] = _SPEC.default
    if not raws or (len(raws) == 1 and raws[0] == st.session_state.get(_LAST)):
        return
    values, problems = parse_query({KEY: raws}, {KEY: _SPEC})
    st.session_state[KEY] = values.get(KEY, _SPEC.default)
    st.session_state[_LAST] = None  # make sure the URL gets rewritten below
    if problems:
        st.warning(
            "Presenter mode is off: " + "; ".join(problems) + ". Use ?present=1 to turn it on.",
            icon=":material/link_off:",
        )


def _share_to_url(on: bool) -> None:
    """session_state -> URL: ``present=1`` while on, absent while off."""
    target = "1" if on else None
    if st.query_params.get_all(KEY) != ([target] if target else []):
        if target:
            st.query_params[KEY] = target
        else:
            del st.query_params[KEY]
    st.session_state[_LAST] = target


def controls() -> bool:
    """The presenter toggle at the top of the sidebar, synced with ``?present=``; returns on/off.

    In presenter mode, also injects the presenter CSS and asks for a collapsed sidebar when the
    page is (re)loaded, so a projected link opens full-width.
    """
    _restore_from_url()
    with st.sidebar:
        on = st.toggle(
            "Presenter mode",
            key=KEY,
            help="Bigger text and charts, high contrast, fewer controls: for a projector. "
            "Adds present=1 to the address, so the link opens in presenter mode.",
        )
    _share_to_url(on)
    if on:
        st.html(CSS)
        st.set_page_config(initial_sidebar_state="collapsed")
    return on


def share_links(url_path: str) -> None:
    """A "Share this view" box in the sidebar: links for students and for the projector.

    Call after the page has run, so the links carry the settings the page just wrote to the URL.
    ``st.context.url`` is the app's address as the browser sees it; when it is unknown (tests,
    some proxies) the box shows the path and query string to append to the app's address.
    """
    box = st.sidebar.expander(
        "Share this view", icon=":material/link:", key=SHARE_KEY, on_change="rerun"
    )
    if not box.open:
        # Drawn only when opened: a collapsed expander still renders its content, and st.code
        # made every student's browser load Streamlit's 1.5 MB syntax highlighter on every page
        # (benchmarks/browser_cpu.py: +0.6 CPU-s per page load).
        return
    pairs = _shared_pairs()
    base = _page_url(url_path)
    student = student_link(url_path)
    projector = base + "?" + urlencode([*pairs, (KEY, "1")])
    with box:
        st.caption(
            "The address bar always holds this page's settings. Copy a link (button at the "
            "right of each box) to open this page with the same configuration."
        )
        st.markdown("**For students**")
        st.code(student, language=None, wrap_lines=True)
        st.markdown("**For the projector** (presenter mode)")
        st.code(projector, language=None, wrap_lines=True)
        if not base.startswith("http"):
            st.caption("Put the app's address (e.g. `http://<teacher-laptop>:8501`) in front.")
        elif urlparse(base).hostname in ("localhost", "127.0.0.1", "::1"):
            st.caption(
                "This address only works on this computer: students need its network address "
                "(the *Network URL* Streamlit prints when it starts) with the same path and settings."
            )


def _shared_pairs() -> list[tuple[str, str]]:
    return [(k, v) for k in st.query_params.keys() if k != KEY for v in st.query_params.get_all(k)]


def student_link(url_path: str) -> str:
    """The share box's student link: this page with its settings, without ``present=1``."""
    pairs = _shared_pairs()
    return _page_url(url_path) + (f"?{urlencode(pairs)}" if pairs else "")


def _page_url(url_path: str) -> str:
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no browser context (tests): fall back to the path
        url = None
    if url:
        return url.split("?", 1)[0].split("#", 1)[0]
    return "/" + url_path


def wrap_title(text: str, width: int = TITLE_WRAP) -> str:
    """Break a long chart title into lines of about ``width`` characters (plotly's ``<br>``):
    at presenter sizes a one-line title is cut off at the chart's edge in a half-width column."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join([*lines, line])


def _make_room(fig) -> None:
    """Margins for presenter-sized text: the (maybe wrapped) title at the top of the figure, above
    any subplot titles; a horizontal legend under the plot moves to the figure's bottom edge,
    clear of the larger axis titles; fixed heights grow so the plot area keeps its size."""
    lines = fig.layout.title.text.count("<br>") + 1 if fig.layout.title.text else 0
    titles_above = any(
        (a.yref or "paper").endswith("paper") and a.y is not None and a.y >= 1
        for a in fig.layout.annotations
    )
    if lines:
        # Just above the plot area; automargin grows the top margin until the title fits. Plotly
        # places the first line of a wrapped title there and the others below it (anchored to the
        # container's top edge instead, the first line was cut off at 1920x1080), so the bottom
        # pad lifts the title by its extra lines (plotly's line spacing is 1.3 em).
        size = fig.layout.title.font.size or round(TITLE_FONT * FONT_SCALE)
        pad = 10 + round(1.3 * size * (lines - 1))
        if titles_above:  # lift the title over the subplot titles (they sat on one line)
            pad += round(1.6 * size)
        fig.update_layout(
            title={
                "yref": "paper",
                "y": 1,
                "yanchor": "bottom",
                "automargin": True,
                "pad": {"b": pad},
            }
        )
    top = 24 + 30 * lines + (40 if titles_above else 0)
    bottom = 10
    legend = fig.layout.legend
    if (
        fig.layout.showlegend is not False
        and legend.orientation == "h"
        and (legend.y is None or legend.y < 0.1)
    ):
        fig.update_layout(legend={"yref": "container", "y": 0, "yanchor": "bottom"})
        bottom = 50
    fig.update_layout(margin={"l": 10, "r": 10, "t": top, "b": bottom})
    if fig.layout.height:
        fig.layout.height = round(fig.layout.height * 1.25)


def style_figure(fig):
    """A presenter-mode copy of a plotly figure: text x FONT_SCALE, lines x LINE_SCALE, black text.

    Explicit sizes set by the figure's builder are scaled, unset ones get scaled defaults, so
    relative emphasis is kept. The input figure is not modified (it may be cached and shared).
    """
    import plotly.graph_objects as go

    fig = go.Figure(fig)
    base = fig.layout.font.size or BASE_CHART_FONT
    fig.update_layout(
        font={"size": round(base * FONT_SCALE), "color": "#000000"},
        hoverlabel={"font": {"size": round(base * FONT_SCALE)}},
    )
    if fig.layout.title.font.size:
        fig.layout.title.font.size = round(fig.layout.title.font.size * FONT_SCALE)
    if fig.layout.title.text and "<br>" not in fig.layout.title.text:
        fig.layout.title.text = wrap_title(fig.layout.title.text)
    legend_size = fig.layout.legend.font.size
    fig.layout.legend.font.size = round((legend_size or base * 0.9) * FONT_SCALE)

    # Streamlit's chart theme sets axis text explicitly (small, grey): set it, don't inherit it.
    tick_size, title_size = round(base * FONT_SCALE * 0.9), round(base * FONT_SCALE)

    def axis(ax):
        ax.tickfont.size = round(ax.tickfont.size * FONT_SCALE) if ax.tickfont.size else tick_size
        ax.title.font.size = (
            round(ax.title.font.size * FONT_SCALE) if ax.title.font.size else title_size
        )
        ax.tickfont.color = ax.tickfont.color or "#000000"
        ax.title.font.color = ax.title.font.color or "#000000"
        ax.linecolor = ax.linecolor or "#000000"
        ax.gridcolor = ax.gridcolor or "#c8c8c8"

    fig.for_each_xaxis(axis)
    fig.for_each_yaxis(axis)

    def annotation(a):
        if a.font.size:
            a.font.size = round(a.font.size * FONT_SCALE)

    fig.for_each_annotation(annotation)
    _make_room(fig)
    for trace in fig.data:
        if "line" in trace and trace.type in ("scatter", "scattergl", "scatterpolar"):
            trace.line.width = (trace.line.width or 2) * LINE_SCALE
        if "colorbar" in trace:
            trace.colorbar.tickfont.size = tick_size
            trace.colorbar.title.font.size = title_size
        if "textfont" in trace and trace.textfont.size:
            trace.textfont.size = round(trace.textfont.size * FONT_SCALE)
        if trace.type in ("scatter", "scattergl") and isinstance(trace.marker.size, int | float):
            trace.marker.size = trace.marker.size * 1.4
    return fig
