"""The stage: a page's key control(s) and key visual, laid out for the screen that shows them.

Three screens are first-class (issue 13):

- laptop (1280x800): the Settings box above the visual, as a page reads top to bottom;
- phone (360-430 px wide): the visual first, then the Settings box, so a student sees the result
  before two screens of controls (CSS ``@media (max-width: 640px)``: the browser knows its width,
  the server does not);
- projector (presenter mode): the Settings box and the visual side by side, sized so both fit
  within 1280x720 and 1920x1080 without scrolling: the teacher moves a control and the class sees
  its effect on the same screen.

Usage, right after the page's title::

    controls, visual = stage.frame(intro="What this page shows ...")
    with controls:
        ...the key control(s); the rest in ``presenter.more_controls(...)``...
    with visual:
        ...the chart or result card students came for; plotly through ``stage.plot(fig, key)``...
    ...the rest of the page (a view selector that renders only the chosen view)...

The two boxes are keyed containers, so they are stable hooks for CSS and the browser tests:
``.st-key-mnl-controls`` and ``.st-key-mnl-visual`` (Streamlit puts ``st-key-<key>`` on the
container's element). :data:`CSS` (formulas that scroll inside their box, no plotly toolbar on a
phone, the phone's visual-first order) and :data:`PRESENTER_CSS` (larger formulas and tab labels)
are injected once per run by :func:`inject_css`, which the shared sidebar calls for every page.
"""

from __future__ import annotations

import streamlit as st

from mobilenet_viz.explain import fmt_count
from mobilenet_viz.figures import html_charts
from ui import presenter
from ui.layout import show_plotly

STAGE_KEY = "mnl-stage"
CONTROLS_KEY = "mnl-controls"
VISUAL_KEY = "mnl-visual"
PHONE_MAX_WIDTH = 640  # px; Streamlit stacks st.columns below this width too
# Presenter mode: the Settings box takes 2 parts of the width, the visual 3.
PRESENTER_SPLIT = (2, 3)
# Height of the stage's chart in presenter mode (px): with the page title above it, it fits a
# 1280x720 projector (19 px root font) and leaves a 1920x1080 one room for a caption.
PRESENTER_CHART_HEIGHT = 400

CSS_MARKER = "mnl-stage-css"
CSS = f"""
/* A long formula scrolls inside its own box instead of widening the page. */
.katex-display {{ overflow-x: auto; overflow-y: hidden; padding: 0.2em 0; }}
[data-testid="stMarkdownContainer"] .katex {{ white-space: nowrap; }}
@media (max-width: {PHONE_MAX_WIDTH}px) {{
    /* The visual before the Settings box: the result first, the controls below it. */
    .st-key-{STAGE_KEY} > div:has(> .st-key-{VISUAL_KEY}),
    .st-key-{STAGE_KEY} > .st-key-{VISUAL_KEY} {{ order: -1; }}
    /* Formulas a little smaller, and a shadow at an edge where more of the formula is hidden
       (scroll shadows: the white covers move with the content, the shadows stay at the edges). */
    .katex-display {{ font-size: 0.9em;
        background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)),
            linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) 100% 0,
            radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.25), rgba(0,0,0,0)),
            radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.25), rgba(0,0,0,0)) 100% 0;
        background-repeat: no-repeat; background-size: 40px 100%, 40px 100%, 14px 100%, 14px 100%;
        background-attachment: local, local, scroll, scroll; }}
    /* plotly's toolbar covered chart titles on a touch screen; pinch-zoom and tap still work. */
    .js-plotly-plot .modebar-container {{ display: none !important; }}
    /* Less padding at the sides and above, a smaller title: the content gets the phone's screen. */
    [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem !important;
        padding-right: 0.75rem !important; padding-top: 3.5rem !important; }}
    h1 {{ font-size: 2rem !important; }}
}}
"""
PRESENTER_CSS = """
/* Formulas readable from the back of the room (KaTeX's own size is 1.21em). */
.katex-display > .katex { font-size: 1.5em; }
/* Tab labels (Streamlit 1.67 draws a tab as div[role=tab] with its label in a paragraph). Never
   write a tag in these comments: the browser's sanitiser drops a style element that holds one. */
[role="tab"], [role="tab"] p { font-size: 1.25rem !important; font-weight: 600 !important; }
/* Light charts (bars, diagrams) in the room's size. */
.mnl-chart { font-size: 1.25rem; }
"""


def inject_css() -> None:
    """The stage's global CSS, once per run (called by ``ui.layout.sidebar`` for every page)."""
    rules = CSS + html_charts.CSS + (PRESENTER_CSS if presenter.is_on() else "")
    st.html(f'<style id="{CSS_MARKER}">{rules}</style>')  # one style element per run


def frame(
    intro: str | None = None,
    *,
    label: str = ":material/tune: **Settings**",
    visual_first: bool = True,
):
    """Return ``(controls, visual)``: two containers for the page's key control(s) and key visual.

    ``intro`` is the page's one-paragraph caption: above the stage on a laptop and a phone, below
    it in presenter mode (the projector's first screen is for the stage; the teacher talks).
    ``label`` heads the controls box (Home's box holds the notation, not settings).
    ``visual_first=False`` keeps the controls box first on a phone too, for a page whose key
    control is a compact picker and whose visual is the picked item's result (Classify).
    """
    if intro and not presenter.is_on():
        st.caption(intro)
    if presenter.is_on():
        left, right = st.columns(PRESENTER_SPLIT, gap="large")
        controls = left.container(key=CONTROLS_KEY, border=True)
        visual = right.container(key=VISUAL_KEY)
    else:
        box = st.container(key=STAGE_KEY if visual_first else f"{STAGE_KEY}-in-order")
        controls = box.container(key=CONTROLS_KEY, border=True)
        visual = box.container(key=VISUAL_KEY)
    controls.markdown(label)
    if intro and presenter.is_on():
        st.caption(intro)
    return controls, visual


def plot(fig, *, key: str) -> None:
    """Draw the stage's plotly figure: in presenter mode at :data:`PRESENTER_CHART_HEIGHT`, so
    the visual fits the projector's screen beside the Settings box; elsewhere at its own height."""
    show_plotly(fig, key=key, height=PRESENTER_CHART_HEIGHT if presenter.is_on() else None)


def chart(markup: str, *, key: str) -> None:
    """Draw a light chart (HTML/SVG markup from ``mobilenet_viz.figures.html_charts`` and the
    figure modules built on it) in a keyed container: ``.st-key-<key>`` is its hook for CSS and
    tests, as a plotly chart's key is. No plotly JavaScript: a first screen that shows only such
    charts loads none."""
    with st.container(key=key):
        if "<svg" in markup:  # st.html's sanitiser (DOMPurify, HTML profile) drops every SVG tag
            st.markdown(markup, unsafe_allow_html=True)
        else:
            st.html(markup)


def metric_row(metrics, *, delta_color: str = "off") -> None:
    """A row of metrics (objects with ``label`` and ``value``, optionally ``help`` and ``delta``,
    such as ``mobilenet_viz.explain.Metric``) that wraps on a narrow screen instead of stacking one
    per line (as ``st.columns`` does on a phone); ``int`` values are counts, shown in engineering
    units (462.4M)."""
    with st.container(horizontal=True, gap="medium"):
        for m in metrics:
            value = fmt_count(m.value) if isinstance(m.value, int) else m.value
            st.metric(
                m.label,
                value,
                delta=getattr(m, "delta", None),
                delta_color=delta_color,
                delta_arrow="off" if delta_color == "off" else "auto",  # a comparison, not a change
                help=getattr(m, "help", None),
                width="content",
            )
