"""Light charts: figures as HTML markup that the browser lays out itself, with no plotly.

A page's first screen is drawn on every student's phone at once. A plotly chart costs a fresh
browser ~2 CPU-s for plotly's 4.6 MB of JavaScript plus the drawing (benchmarks/browser_cpu.py);
these charts are a few kB of HTML and CSS (bars are ``<span>`` widths in %, a diagram is inline
SVG), so they are as cheap as text, wrap on a 360 px phone, and stay crisp on a projector.
``ui.stage.chart`` draws them; its CSS (``.mnl-chart``) styles them. Every string is escaped here:
callers pass plain text (a photo's name can be anything).

Markup conventions (tests and CSS rely on them): the root is
``<figure class="mnl-chart" data-chart="NAME">`` with the title as ``<figcaption>``; a bar row is
``.mnl-bar-row`` with ``.mnl-bar-label``, ``.mnl-bar-track`` (segments ``.mnl-bar-seg``, each
with a hover ``title``) and ``.mnl-bar-value``; a legend is ``.mnl-legend``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from mobilenet_viz.figures import palette

COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|rgba?\([\d.,\s%]+\)")


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar: ``value`` sets its length, ``text`` its hover label."""

    name: str
    value: float
    color: str
    text: str = ""


@dataclass(frozen=True)
class Row:
    """One bar: ``label`` left of it (above it on a phone), ``value_text`` right of it,
    ``detail`` in small print under it (what each segment holds, for a stacked bar)."""

    label: str
    segments: tuple[Segment, ...]
    value_text: str = ""
    detail: str = ""
    strong: bool = False  # the label in bold (the accepted answer, the top class)


def color(value: str) -> str:
    """A CSS colour from the palette (hex or rgb/rgba); anything else is refused, so no
    caller can put markup into a ``style`` attribute."""
    if not COLOR.fullmatch(value):
        raise ValueError(f"not a colour: {value!r}")
    return value


def figure_markup(name: str, title: str, body: str, *, note: str = "", label: str = "") -> str:
    """The chart's frame: ``<figure class="mnl-chart" data-chart=name>``, the title as its
    caption, ``body`` (trusted markup built by this package), an optional small-print ``note``.
    ``label``: the figure's accessible name when the title alone does not say what it shows."""
    aria = f' aria-label="{escape(label)}"' if label else ""
    note_html = f'<p class="mnl-chart-note">{escape(note)}</p>' if note else ""
    return (
        f'<figure class="mnl-chart" data-chart="{escape(name)}"{aria}>'
        f"<figcaption>{escape(title)}</figcaption>{body}{note_html}</figure>"
    )


def legend(items: list[tuple[str, str]]) -> str:
    """A row of colour swatches with names: ``[(name, colour), ...]``."""
    entries = "".join(
        f'<span><i style="background:{color(c)}"></i>{escape(n)}</span>' for n, c in items
    )
    return f'<div class="mnl-legend">{entries}</div>'


def bars(rows: list[Row], *, scale_max: float | None = None) -> str:
    """Horizontal bars, one per row, all on one scale: a segment's length is
    ``value / scale_max`` of the track (``scale_max`` defaults to the longest row's total)."""
    longest = max((sum(s.value for s in r.segments) for r in rows), default=0.0)
    top = scale_max if scale_max and scale_max > 0 else longest
    out = []
    for r in rows:
        parts = []
        for s in r.segments:
            share = 0.0 if top <= 0 else max(0.0, min(100.0, 100.0 * s.value / top))
            hover = f"{s.name}: {s.text}" if s.text else s.name
            thin = "" if s.value > 0 else ";min-width:0"  # a tiny value shows; a zero does not
            parts.append(
                f'<span class="mnl-bar-seg" style="width:{share:.3f}%;background:{color(s.color)}'
                f'{thin}"'
                f' title="{escape(hover)}"></span>'
            )
        label_tag = "strong" if r.strong else "span"
        detail = f'<div class="mnl-bar-detail">{escape(r.detail)}</div>' if r.detail else ""
        out.append(
            '<div class="mnl-bar-row">'
            f'<{label_tag} class="mnl-bar-label">{escape(r.label)}</{label_tag}>'
            f'<div class="mnl-bar-track">{"".join(parts)}</div>'
            f'<span class="mnl-bar-value">{escape(r.value_text)}</span>'
            f"{detail}</div>"
        )
    return f'<div class="mnl-bars">{"".join(out)}</div>'


def panel(title: str, rows: list[Row], *, scale_max: float | None = None) -> str:
    """A named group of :func:`bars` on a scale of its own (MACs next to weights: their
    magnitudes differ)."""
    return f'<p class="mnl-chart-panel">{escape(title)}</p>' + bars(rows, scale_max=scale_max)


def bar_chart(
    name: str,
    title: str,
    rows: list[Row],
    *,
    scale_max: float | None = None,
    legend_items: list[tuple[str, str]] | None = None,
    note: str = "",
) -> str:
    """A titled bar chart: :func:`bars` in :func:`figure_markup`, with an optional legend."""
    body = bars(rows, scale_max=scale_max) + (legend(legend_items) if legend_items else "")
    return figure_markup(name, title, body, note=note)


# The charts' CSS, injected once per run by ui.stage (so it is in the page before any chart).
# Never write a tag in these comments: Streamlit's sanitiser drops a style element holding one.
CSS = f"""
.mnl-chart {{ margin: 0.25rem 0 0.75rem 0; }}
.mnl-chart figcaption {{ font-weight: 600; font-size: 1.05em; margin-bottom: 0.5rem; }}
.mnl-bars {{ display: grid; grid-template-columns: minmax(4em, max-content) minmax(0, 1fr) auto;
    gap: 0.35rem 0.6rem; align-items: center; }}
.mnl-bar-row {{ display: contents; }}
.mnl-bar-label {{ overflow-wrap: anywhere; max-width: 16em; }}
.mnl-bar-track {{ display: flex; height: 1.5em; background: {palette.TRACK}; border-radius: 3px;
    overflow: hidden; }}
.mnl-bar-seg {{ display: block; height: 100%; min-width: 2px; }}
.mnl-bar-value {{ font-variant-numeric: tabular-nums; white-space: nowrap; }}
.mnl-bar-detail {{ grid-column: 2 / 4; font-size: 0.85em; color: {palette.SMALL_PRINT}; margin-top: -0.2rem; }}
.mnl-legend {{ display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; margin-top: 0.5rem;
    font-size: 0.9em; }}
.mnl-legend i {{ display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px;
    margin-right: 0.35em; vertical-align: -0.1em; }}
.mnl-chart-panel {{ font-weight: 600; margin: 0.6rem 0 0.25rem 0; }}
.mnl-chart-note {{ font-size: 0.85em; color: {palette.SMALL_PRINT}; margin: 0.4rem 0 0 0; }}
.mnl-chart svg {{ display: block; width: 100%; height: auto; }}
@media (max-width: 640px) {{
    .mnl-bars {{ grid-template-columns: minmax(0, 1fr) auto; gap: 0.15rem 0.5rem; }}
    .mnl-bar-label {{ grid-column: 1 / 3; max-width: none; margin-top: 0.3rem; }}
    .mnl-bar-detail {{ grid-column: 1 / 3; }}
}}
"""
