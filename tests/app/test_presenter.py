"""Presenter mode: ?present=1 and the sidebar toggle turn it on, garbage falls back with a warning,
charts get larger text and thicker lines, and the share links carry the page's configuration."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import pytest

from tests.app.helpers import assert_no_exception, by_key, open_page
from tests.conftest import ROOT
from ui import presenter

# page files as app.py registers them (robust to the pages folder being renamed)
_PAGES = re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", (ROOT / "app.py").read_text())
HOME = next(p for p in _PAGES if p.endswith("home.py"))
SEPARABLE = next(p for p in _PAGES if p.endswith("separable.py"))


def css_injected(at) -> bool:
    return any(presenter.CSS_MARKER in h.proto.body for h in at.html)


def toggle(at):
    return by_key(at.toggle, presenter.KEY)


def test_url_turns_presenter_mode_on():
    at = open_page(HOME, query={"present": "1"})
    assert toggle(at).value is True
    assert css_injected(at)
    assert not at.warning
    assert at.query_params.get("present") == "1"


def test_off_by_default_and_toggle_switches_it():
    at = open_page(HOME)
    assert toggle(at).value is False and not css_injected(at)
    assert "present" not in at.query_params

    toggle(at).set_value(True).run()
    assert_no_exception(at)
    assert css_injected(at)
    assert at.query_params.get("present") == "1", "the address bar must become a presenter link"

    toggle(at).set_value(False).run()
    assert_no_exception(at)
    assert not css_injected(at)
    assert "present" not in at.query_params


@pytest.mark.parametrize("raw", ["banana", ["1", "1"], "-1", "1e9"])
def test_garbage_falls_back_to_off_with_a_warning(raw):
    at = open_page(HOME, query={"present": raw})
    assert toggle(at).value is False and not css_injected(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "Presenter mode is off" in warnings and "present" in warnings
    assert "present" not in at.query_params, "the bad value is dropped from the address"
    at.run()  # the warning does not stick once the address is clean
    assert not any("Presenter" in w.value for w in at.warning)


def test_present_0_is_off_without_warning():
    at = open_page(HOME, query={"present": "0"})
    assert toggle(at).value is False and not at.warning


def test_mode_survives_page_navigation_and_restyles_charts():
    """Switching pages drops the query string in the browser; the session keeps presenter mode,
    writes present=1 back, and the page's plotly charts get presenter-sized text."""
    at = open_page(HOME, query={"present": "1"})
    at.query_params.clear()  # as after a click in the page navigation: no present=1
    at.query_params["view"] = "Charts"  # the separable page's chart tab (tabs render lazily)
    at.switch_page(SEPARABLE).run()
    assert_no_exception(at)
    assert toggle(at).value is True and css_injected(at)
    assert at.query_params.get("present") == "1"
    charts = at.get("plotly_chart")
    assert charts, "the separable page's Charts tab draws plotly charts"
    big = [json.loads(c.proto.spec)["layout"].get("font", {}).get("size") for c in charts]

    toggle(at).set_value(False).run()
    normal = [
        json.loads(c.proto.spec)["layout"].get("font", {}).get("size")
        for c in at.get("plotly_chart")
    ]
    assert all(b and b >= 19 for b in big), big
    assert all(n is None or n < 19 for n in normal), normal


def test_share_links_carry_the_page_configuration():
    at = open_page(SEPARABLE, query={"kernel": "5"})
    # the box draws its links only when opened (a student who never opens it never loads
    # st.code's syntax highlighter)
    assert not at.sidebar.get("code")
    at.session_state[presenter.SHARE_KEY] = True
    at.run()
    links = [c.value for c in at.sidebar.get("code")]
    assert len(links) == 2, links
    student, projector = links
    at.toggle(key="join_qr_show").set_value(
        True
    ).run()  # the QR code box, on request outside presenter mode
    qr_link = at.sidebar.get("code")[2].value
    assert qr_link.startswith("http") and qr_link.endswith(
        student
    )  # the student link, with an address
    assert student.startswith("/separable?") and "kernel=5" in student and "present" not in student
    assert "kernel=5" in projector and projector.endswith("present=1")


def test_style_figure_scales_a_copy():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], line={"width": 2}, mode="lines+markers"))
    fig.add_bar(x=[1], y=[2], textfont={"size": 10})
    fig.add_annotation(text="note", font={"size": 10}, x=1, y=3)
    fig.update_layout(title={"text": "t", "font": {"size": 20}}, xaxis={"tickfont": {"size": 10}})
    big = presenter.style_figure(fig)
    assert big.layout.font.size == round(presenter.BASE_CHART_FONT * presenter.FONT_SCALE)
    assert big.data[0].line.width == pytest.approx(2 * presenter.LINE_SCALE)
    assert big.data[1].textfont.size == 16
    assert big.layout.annotations[0].font.size == 16
    assert big.layout.title.font.size == 32
    assert big.layout.legend.font.size >= 16
    assert big.layout.xaxis.tickfont.size == 16
    # the input (possibly a cached figure shared between sessions) is untouched
    assert fig.layout.font.size is None and fig.data[0].line.width == 2
    assert fig.layout.title.font.size == 20


def test_long_chart_titles_wrap_in_presenter_mode():
    title = "Separable / standard MACs = 1/N + 1/D_K² (dotted: the 1/D_K² floor)"
    wrapped = presenter.wrap_title(title)
    assert wrapped.replace("<br>", " ") == title
    assert all(len(line) <= presenter.TITLE_WRAP for line in wrapped.split("<br>"))
    assert presenter.wrap_title("Short title") == "Short title"
    fig = presenter.style_figure(go.Figure(layout={"title": {"text": title}}))
    assert "<br>" in fig.layout.title.text
    # the title sits above the plot area, lifted by its extra lines, and may push the margin
    # (anchored to the top edge, the first line of a wrapped title was cut off at 1920x1080)
    short = presenter.style_figure(go.Figure(layout={"title": {"text": "Short title"}}))
    for f in (fig, short):
        assert (f.layout.title.yref, f.layout.title.yanchor, f.layout.title.automargin) == (
            "paper",
            "bottom",
            True,
        )
    assert fig.layout.title.pad.b > short.layout.title.pad.b
    assert fig.layout.margin.t > short.layout.margin.t


def test_share_box_is_drawn_even_when_the_page_stops_early():
    # The filters page stops its run while waiting for an upload (PARAMS.stop()).
    filters = next(p for p in _PAGES if p.endswith("filters.py"))
    at = open_page(filters, query={"source": "upload"})
    assert any(e.label == "Share this view" for e in at.sidebar.expander)
    at.session_state[presenter.SHARE_KEY] = True
    at.run()
    assert any("source=upload" in c.value for c in at.sidebar.code)


def _more_settings(at):
    return [e for e in at.expander if str(e.label).startswith("More settings")]


def test_presenter_mode_folds_secondary_controls_and_keeps_their_values():
    at = open_page(SEPARABLE, query={"stride": "2", "alpha": "0.5"})
    assert not _more_settings(at)  # normal mode: every control in the open
    stride = next(s for s in at.slider if s.label == "Stride s")
    assert stride.value == 2

    toggle(at).set_value(True).run()
    assert_no_exception(at)
    (folded,) = _more_settings(at)
    assert folded.proto.expanded is False and "stride s" in folded.label
    assert [s.label for s in folded.slider] == ["Stride s", "Width multiplier α"]
    assert folded.slider[0].value == 2 and folded.slider[1].value == 0.5
    assert next(s for s in at.slider if s.label == "Kernel size D_K")  # the essentials stay out

    toggle(at).set_value(False).run()
    assert not _more_settings(at)
    assert next(s for s in at.slider if s.label == "Stride s").value == 2
    assert at.query_params.get("stride") == "2" and at.query_params.get("alpha") == "0.5"
