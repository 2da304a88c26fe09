"""Shareable page state: widget values mirrored in the URL (``st.query_params``).

A teacher copies the address bar and students open the same configuration. Each page declares
its parameters once::

    PARAMS = PageParams("sep", {"kernel": IntParam(3, 1, 11), ...})
    PARAMS.restore()                       # before the widgets: URL -> session_state
    st.slider("D_K", 1, 11, key=PARAMS.key("kernel"))
    PARAMS.share()                         # after the widgets: session_state -> URL

URL names are the short names (``?kernel=5``); widget keys are page-prefixed (``sep_kernel``).
Garbage in the URL (letters, negatives, 10**9, repeated or unknown keys) never raises: the value
falls back to its default and one visible warning names every rejected parameter.
Widgets must be created *without* ``value=``/``index=`` so session_state is their only source.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from ui.text import md

# Parameters every page accepts (handled by the shared layout, not by a page).
GLOBAL_PARAMS = ("present",)


@dataclass(frozen=True)
class IntParam:
    default: int
    lo: int
    hi: int

    def parse(self, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"'{raw}' is not a whole number") from None
        if not self.lo <= value <= self.hi:
            raise ValueError(f"{value} is outside {self.lo}..{self.hi}")
        return value

    def format(self, value: int) -> str:
        return str(int(value))


@dataclass(frozen=True)
class FloatParam:
    default: float
    lo: float
    hi: float

    def parse(self, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError(f"'{raw}' is not a number") from None
        if not math.isfinite(value) or not self.lo <= value <= self.hi:
            raise ValueError(f"{raw} is outside {self.lo:g}..{self.hi:g}")
        return value

    def format(self, value: float) -> str:
        return f"{float(value):g}"


@dataclass(frozen=True)
class ChoiceParam:
    default: str
    choices: Sequence[str]

    def parse(self, raw: str) -> str:
        if raw not in self.choices:
            raise ValueError(f"'{raw}' is not one of {', '.join(map(str, self.choices))}")
        return raw

    def format(self, value: str) -> str:
        return str(value)


@dataclass(frozen=True)
class BoolParam:
    default: bool

    def parse(self, raw: str) -> bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"'{raw}' is not on/off (use 1 or 0)")

    def format(self, value: bool) -> str:
        return "1" if value else "0"


@dataclass(frozen=True)
class ListParam:
    """Several of ``choices`` (a multi-select), comma-separated in the URL; "" = none."""

    default: tuple[str, ...]
    choices: Sequence[str]

    def parse(self, raw: str) -> list[str]:
        names = [n for n in (part.strip() for part in raw.split(",")) if n]
        bad = [n for n in names if n not in self.choices]
        if bad:
            raise ValueError(f"'{bad[0]}' is not one of {', '.join(map(str, self.choices))}")
        return list(dict.fromkeys(names))  # repeated names once, in order

    def format(self, value) -> str:
        return ",".join(value or ())


Param = IntParam | FloatParam | ChoiceParam | BoolParam | ListParam


class EndPageRun(Exception):
    """Raised by PageParams.stop(); app.py catches it after page.run()."""


def parse_query(
    query: Mapping[str, Sequence[str]], specs: Mapping[str, Param]
) -> tuple[dict[str, object], list[str]]:
    """Validate raw query values (name -> list of strings) against ``specs``.

    Returns (values present and valid, problems). Missing names are simply absent from values.
    Pure function: the unit tests drive it directly.
    """
    values: dict[str, object] = {}
    problems: list[str] = []
    for name, raws in query.items():
        if name not in specs:
            if name not in GLOBAL_PARAMS:
                problems.append(f"unknown parameter '{name}' ignored")
            continue
        spec = specs[name]
        if len(raws) != 1:
            problems.append(
                f"'{name}' given {len(raws)} times; using the default {spec.format(spec.default)}"
            )
            continue
        try:
            values[name] = spec.parse(raws[0])
        except ValueError as exc:
            problems.append(f"'{name}': {exc}; using the default {spec.format(spec.default)}")
    return values, problems


class PageParams:
    """A page's shareable widgets: URL <-> session_state, see the module docstring."""

    def __init__(self, prefix: str, specs: Mapping[str, Param]):
        self.prefix = prefix
        self.specs = dict(specs)
        self._last_key = f"_{prefix}_qp_last"

    def key(self, name: str) -> str:
        if name not in self.specs:
            raise KeyError(name)
        return f"{self.prefix}_{name}"

    def value(self, name: str):
        return st.session_state[self.key(name)]

    def values(self) -> dict[str, object]:
        return {name: st.session_state[self.key(name)] for name in self.specs}

    def set(self, **values) -> None:
        """Set widget values (e.g. from a preset's on_click callback)."""
        for name, value in values.items():
            st.session_state[self.key(name)] = value

    def restore(self) -> None:
        """URL -> session_state, before the widgets are drawn.

        A URL value is applied when it differs from what this page last wrote to the URL (the
        page was opened from a link, or the address was edited); otherwise the user's latest
        widget value wins. Defaults fill any widget that has no value yet.
        """
        query = {name: st.query_params.get_all(name) for name in st.query_params.keys()}
        own = {k: v for k, v in query.items() if k in self.specs}
        last = st.session_state.get(self._last_key, {})
        changed = {k: v for k, v in own.items() if last.get(k) != (v[-1] if v else None)}
        values, problems = parse_query(
            {k: v for k, v in query.items() if k in changed or k not in self.specs}, self.specs
        )
        for name, spec in self.specs.items():
            key = self.key(name)
            if name in values:
                st.session_state[key] = values[name]
            elif name in changed or key not in st.session_state:
                st.session_state[key] = (
                    list(spec.default) if isinstance(spec, ListParam) else spec.default
                )
            else:
                # Re-set the value so Streamlit keeps it through a run where its widget is not drawn
                # (a page that stops early, e.g. waiting for an upload); otherwise the widget state
                # is cleaned up and the next run falls back to the default (a tab jumped to the first).
                st.session_state[key] = st.session_state[key]
        if problems:
            st.warning(
                "Some settings in the link could not be used: " + md("; ".join(problems)) + ".",
                icon=":material/link_off:",
            )

    def share(self) -> None:
        """session_state -> URL, after the widgets: the address bar is always a shareable link."""
        written = {
            name: spec.format(st.session_state[self.key(name)]) for name, spec in self.specs.items()
        }
        keep = {k: st.query_params.get(k) for k in GLOBAL_PARAMS if k in st.query_params}
        current = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        target = {**{k: v for k, v in keep.items() if v is not None}, **written}
        if current != {k: [v] for k, v in target.items()}:
            st.query_params.from_dict(target)
        st.session_state[self._last_key] = written

    def stop(self, error: str | None = None) -> None:
        """End the page's run early (after an impossible configuration, say) without losing the
        link: show the one-line error, keep the URL in step with the widgets, then raise
        EndPageRun, which the router catches so the shared sidebar (share links) is still drawn.
        st.stop() would end the whole script, router included."""
        if error:
            st.error(error, icon=":material/error:")
        self.share()
        raise EndPageRun
