"""Every page of the app survives hostile links and random widget values.

The page list is read from app.py, so a page added there is covered without touching this file.
A page's shareable parameters are discovered from the URL it writes on a clean visit (PageParams
mirrors every shared widget into the query string), then each one is fed letters, negatives,
10**9, 1e308, NaN; unknown and repeated keys are added. Expected: no exception element, every
rejected value back at its default, and a visible warning. Then a seeded random walk sets random
valid values on the page's sliders, number inputs, selectboxes, radios, checkboxes, toggles,
multiselects and text inputs, a few at a time, and the page must keep rendering.
"""

from __future__ import annotations

import random
import re
import zlib

import pytest
from streamlit.runtime.state.common import TESTING_KEY

from tests.app.helpers import assert_no_exception, open_page
from tests.conftest import ROOT
from ui.text import md

PAGES = re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", (ROOT / "app.py").read_text())

SWEEP_STEPS = 8  # runs per page in the random walk; keep the whole file near 2 minutes
TEXT_VALUES = ["", "   ", "-1", "1e999", "nan", "<script>alert(1)</script>", "ünïcødé ✓", "x" * 300]
BIG_NUMBERS = [0, -1, 1, 10**6, -(10**6), 10**9]


def test_app_registers_pages():
    assert len(PAGES) >= 6 and any(p.endswith("home.py") for p in PAGES)


_DEFAULTS: dict[str, dict[str, str]] = {}


def page_defaults(page: str) -> dict[str, str]:
    """The query string the page writes on a clean visit: its shareable parameters and defaults."""
    if page not in _DEFAULTS:
        at = open_page(page)
        _DEFAULTS[page] = {k: v for k, v in at.query_params.items() if k != "present"}
    return _DEFAULTS[page]


HOSTILE = {
    "letters": "zq!x",
    "negative": "-7",
    "huge": str(10**9),
    "overflow": "1e308",
    "nan": "nan",
}


def check_fallback(at, page: str, sent: dict, defaults: dict[str, str]) -> None:
    assert_no_exception(at)
    assert at.title or at.header, f"{page} stopped rendering"
    rejected = [
        name for name, raw in sent.items() if name in defaults and at.query_params.get(name) != raw
    ]
    for name in rejected:
        assert at.query_params.get(name) == defaults[name], (
            f"{page}: rejected ?{name}={sent[name]!r} should fall back to {defaults[name]!r}, "
            f"the address now says {at.query_params.get(name)!r}"
        )
    if defaults and (rejected or any(name not in defaults for name in sent)):
        warnings = " ".join(w.value for w in at.warning)
        for name in rejected:
            assert md(name) in warnings, f"{page}: no warning names the rejected parameter {name!r}"


@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.parametrize("page", PAGES)
def test_hostile_values_fall_back_to_defaults(page, kind):
    defaults = page_defaults(page)
    if not defaults:
        pytest.skip(f"{page} shares no parameters in its URL (covered by the unknown-keys test)")
    sent = dict.fromkeys(defaults, HOSTILE[kind])
    at = open_page(page, query=sent)
    check_fallback(at, page, sent, defaults)
    if kind == "letters":
        assert at.query_params == {
            **defaults,
            **({"present": "1"} if "present" in at.query_params else {}),
        }


@pytest.mark.parametrize("page", PAGES)
def test_unknown_and_repeated_keys(page):
    defaults = page_defaults(page)
    sent: dict[str, str | list[str]] = {"zzz": "1", "__proto__": "x", "kernel_size;drop": "3"}
    repeated = next(iter(defaults), None)
    if repeated:
        sent[repeated] = [defaults[repeated], defaults[repeated]]
    at = open_page(page, query=sent)
    assert_no_exception(at)
    assert at.title or at.header
    if defaults:
        warnings = " ".join(w.value for w in at.warning)
        assert "zzz" in warnings, f"{page}: an unknown parameter should be named in a warning"
        assert md(f"'{repeated}' given 2 times") in warnings
        assert "zzz" not in at.query_params, "unknown parameters are dropped from the address"


# --- random widget values --------------------------------------------------------------------


def _identity_labels(widget) -> None:
    """Let AppTest take option labels as they are shown (options are formatted strings)."""
    widget.root.session_state[TESTING_KEY][widget.id] = lambda value: value


def _snap(lo: float, hi: float, step: float, rng: random.Random, integer: bool):
    if step and step > 0 and (hi - lo) / step < 1e6:
        value = lo + step * rng.randint(0, int((hi - lo) // step))
    else:
        value = rng.uniform(lo, hi)
    return int(round(value)) if integer else float(value)


def random_value(widget, rng: random.Random):
    """A random value a user could set on this widget, or None to leave it alone."""
    kind = widget.type
    if kind in ("checkbox", "toggle"):
        return rng.random() < 0.5
    if kind == "slider":
        proto = widget.proto
        if proto.data_type not in (proto.INT, proto.FLOAT):
            return None
        integer = proto.data_type == proto.INT
        values = [_snap(proto.min, proto.max, proto.step, rng, integer) for _ in range(2)]
        return sorted(values) if isinstance(widget.value, list | tuple) else values[0]
    if kind == "number_input":
        proto = widget.proto
        integer = proto.data_type == proto.INT
        lo = widget.min if widget.min is not None else -(10**9)
        hi = widget.max if widget.max is not None else 10**9
        if rng.random() < 0.4:  # the edges and big numbers a student may type
            value = min(max(rng.choice([lo, hi, *BIG_NUMBERS]), lo), hi)
            return int(value) if integer else float(value)
        return _snap(lo, hi, proto.step, rng, integer)
    if kind in ("selectbox", "radio", "select_slider"):
        if not widget.options:
            return None
        _identity_labels(widget)
        if kind == "select_slider" and isinstance(widget.value, list | tuple):
            return sorted(rng.sample(widget.options, 2), key=widget.options.index)
        return rng.choice(widget.options)
    if kind == "multiselect":
        if not widget.options:
            return None
        _identity_labels(widget)
        limit = widget.proto.max_selections or len(widget.options)
        return rng.sample(widget.options, rng.randint(0, min(limit, len(widget.options))))
    if kind in ("text_input", "text_area"):
        return rng.choice(TEXT_VALUES)
    return None


SWEEP_KINDS = (
    "slider",
    "number_input",
    "selectbox",
    "radio",
    "select_slider",
    "checkbox",
    "toggle",
    "multiselect",
    "text_input",
    "text_area",
)


def interactive_widgets(at) -> list:
    found = []
    for kind in SWEEP_KINDS:
        found.extend(w for w in at.get(kind) if not getattr(w.proto, "disabled", False))
    return found


CHOICES = re.compile(r"'(\w+)': '[^']*' is not one of (.+?); using the default")


def shared_choices(page: str) -> dict[str, list[str]]:
    """The page's shareable choice parameters (e.g. which tab is open) and their values, read from
    the warning a letters-only link produces ("'view': 'zq!x' is not one of A, B, C; ...")."""
    defaults = page_defaults(page)
    if not defaults:
        return {}
    at = open_page(page, query=dict.fromkeys(defaults, "zq!x"))
    found = {}
    for warning in at.warning:
        for name, choices in CHOICES.findall(warning.value):
            found[name] = choices.split(", ")
    return found


@pytest.mark.parametrize("page", PAGES)
def test_random_widget_values_never_raise(page):
    """A seeded random walk: each step sets 1-3 widgets to random valid values and, every other
    step, opens another value of a shared choice (tabs render lazily, so this reaches every tab)."""
    rng = random.Random(zlib.crc32(page.encode()))
    choices = shared_choices(page)
    at = open_page(page)
    history = []
    for step in range(SWEEP_STEPS):
        widgets = interactive_widgets(at)
        if not widgets:
            break
        changes = []
        if choices and step % 2 == 1:
            name = rng.choice(sorted(choices))
            at.query_params[name] = rng.choice(choices[name])
            changes.append(f"?{name}={at.query_params[name]}")
        for widget in rng.sample(widgets, min(len(widgets), rng.randint(1, 3))):
            value = random_value(widget, rng)
            if value is not None:
                widget.set_value(value)
                changes.append(f"{widget.key or widget.label}={value!r}")
        history.append(changes)
        at.run()
        errors = [e.value for e in at.exception]
        assert not errors, f"{page} raised after {history}: {errors}"
        assert at.title or at.header, f"{page} stopped rendering after {history}"


def test_markdown_in_a_link_value_is_shown_as_text_not_rendered():
    """?kernel=![t](http://host/x.png) must not make every viewer's browser fetch an image (issue 16)."""
    sent = "![t](http://host/x.png)"
    at = open_page("pages/separable.py", query={"kernel": sent, "[x](http://y)": "1"})
    assert_no_exception(at)
    warnings = " ".join(w.value for w in at.warning)
    assert md(sent) in warnings and md("[x](http://y)") in warnings
    assert "](" not in warnings.replace("\\](", "") and "http://" not in warnings
