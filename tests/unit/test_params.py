"""ui/params.py: shared links never break a page. parse_query rejects garbage with a reason and
PageParams falls back to defaults with one warning, keeps good values, and keeps the URL in sync."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_h
from streamlit.testing.v1 import AppTest

from ui.params import BoolParam, ChoiceParam, FloatParam, IntParam, parse_query

SPECS = {
    "kernel": IntParam(3, 1, 11),
    "alpha": FloatParam(1.0, 0.25, 1.0),
    "model": ChoiceParam("v2", ("v1", "v2", "v3-large")),
    "relu": BoolParam(True),
}


def one(name, raw):
    return parse_query({name: [raw]}, SPECS)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("kernel", "5", 5),
        ("kernel", " 7 ", 7),
        ("kernel", "11", 11),
        ("alpha", "0.5", 0.5),
        ("alpha", "1", 1.0),
        ("model", "v1", "v1"),
        ("relu", "0", False),
        ("relu", "on", True),
    ],
)
def test_valid_values_are_used(name, raw, expected):
    values, problems = one(name, raw)
    assert values == {name: expected} and problems == []


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("kernel", "abc", "not a whole number"),
        ("kernel", "", "not a whole number"),
        ("kernel", "5.0", "not a whole number"),
        ("kernel", "-3", "outside 1..11"),
        ("kernel", "0", "outside 1..11"),
        ("kernel", str(10**9), "outside 1..11"),
        ("kernel", "9" * 5000, "not a whole number"),  # int() refuses > 4300 digits
        ("alpha", "nan", "outside"),
        ("alpha", "inf", "outside"),
        ("alpha", "-inf", "outside"),
        ("alpha", "1e309", "outside"),
        ("alpha", "-0.5", "outside"),
        ("alpha", "lots", "not a number"),
        ("model", "v9", "not one of v1, v2, v3-large"),
        ("model", "V2", "not one of"),
        ("relu", "banana", "not on/off"),
    ],
)
def test_garbage_is_rejected_with_a_reason_and_the_default(name, raw, reason):
    values, problems = one(name, raw)
    assert values == {}
    assert len(problems) == 1
    assert reason in problems[0] and f"'{name}'" in problems[0]
    assert "using the default" in problems[0]


def test_unknown_keys_are_reported_but_global_ones_are_not():
    values, problems = parse_query({"zoom": ["3"], "present": ["1"], "kernel": ["5"]}, SPECS)
    assert values == {"kernel": 5}
    assert problems == ["unknown parameter 'zoom' ignored"]


def test_repeated_keys_fall_back_to_the_default():
    values, problems = parse_query({"kernel": ["3", "5"], "alpha": ["0.5"]}, SPECS)
    assert values == {"alpha": 0.5}
    assert problems == ["'kernel' given 2 times; using the default 3"]


def test_every_problem_is_listed_once():
    query = {
        "kernel": ["x"],
        "alpha": ["nan"],
        "model": ["?"],
        "relu": ["2"],
        "a": ["1"],
        "b": ["2"],
    }
    values, problems = parse_query(query, SPECS)
    assert values == {}
    assert len(problems) == 6


@settings(max_examples=300, deadline=None)
@given(
    st_h.dictionaries(
        st_h.sampled_from([*SPECS, "present", "junk"]),
        st_h.lists(
            st_h.text(max_size=30) | st_h.sampled_from(["1e999", "-0", "nan", "0x10", "٣"]),
            max_size=3,
        ),
        max_size=6,
    )
)
def test_parse_query_never_raises_and_only_returns_valid_values(query):
    values, problems = parse_query(query, SPECS)
    for name, value in values.items():
        spec = SPECS[name]
        if isinstance(spec, IntParam | FloatParam):
            assert math.isfinite(value) and spec.lo <= value <= spec.hi
        elif isinstance(spec, ChoiceParam):
            assert value in spec.choices
        else:
            assert isinstance(value, bool)
    assert len(values) + len(problems) <= len(query)


# --- PageParams in a running Streamlit script ---------------------------------------------------


def tiny_page():
    import streamlit as st

    from ui.params import ChoiceParam, FloatParam, IntParam, PageParams

    params = PageParams(
        "tp",
        {
            "kernel": IntParam(3, 1, 11),
            "alpha": FloatParam(1.0, 0.25, 1.0),
            "model": ChoiceParam("v2", ("v1", "v2")),
        },
    )
    params.restore()
    st.slider("Kernel", 1, 11, key=params.key("kernel"))
    st.number_input("alpha", 0.25, 1.0, step=0.25, key=params.key("alpha"))
    st.selectbox("Model", ("v1", "v2"), key=params.key("model"))
    params.share()
    st.write(
        f"kernel={params.value('kernel')} alpha={params.value('alpha')} model={params.value('model')}"
    )


def run_tiny(query: dict) -> AppTest:
    at = AppTest.from_function(tiny_page, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at) -> str:
    return at.markdown[-1].value


def test_a_shared_link_restores_the_configuration():
    at = run_tiny({"kernel": "5", "alpha": "0.5", "model": "v1"})
    assert shown(at) == "kernel=5 alpha=0.5 model=v1"
    assert at.slider[0].value == 5 and at.selectbox[0].value == "v1"
    assert not at.warning


def test_a_hostile_link_gives_defaults_and_one_warning():
    at = run_tiny({"kernel": "-4", "alpha": "nan", "model": ["v1", "v2"], "zz": "1"})
    assert shown(at) == "kernel=3 alpha=1.0 model=v2"
    assert len(at.warning) == 1
    warning = at.warning[0].value
    for name in ("kernel", "alpha", "model", "zz"):
        assert f"'{name}'" in warning
    # the address is rewritten to a clean, shareable link
    assert at.query_params == {"kernel": "3", "alpha": "1", "model": "v2"}
    at.run()
    assert not at.warning, "the warning goes once the address is clean"


def test_widgets_write_the_url_and_win_over_it():
    at = run_tiny({"kernel": "5"})
    at.slider[0].set_value(9).run()
    assert shown(at).startswith("kernel=9") and at.query_params["kernel"] == "9"
    at.run()
    assert shown(at).startswith("kernel=9")
    # an edited address (a new link) wins again
    at.query_params["kernel"] = "2"
    at.run()
    assert shown(at).startswith("kernel=2")


def test_presenter_flag_is_kept_in_the_link():
    at = run_tiny({"present": "1", "kernel": "4"})
    assert not at.warning
    assert at.query_params["present"] == "1" and at.query_params["kernel"] == "4"


def test_list_param_parses_comma_separated_choices_and_rejects_unknown_ones():
    from ui.params import ListParam

    spec = ListParam(("cat.jpg",), ("cat.jpg", "coffee.jpg", "rocket.jpg"))
    assert spec.parse("coffee.jpg,cat.jpg,coffee.jpg") == ["coffee.jpg", "cat.jpg"]
    assert spec.parse("") == []
    assert spec.format(["cat.jpg", "rocket.jpg"]) == "cat.jpg,rocket.jpg"
    values, problems = parse_query({"samples": ["cat.jpg,../../etc/passwd"]}, {"samples": spec})
    assert values == {} and "not one of" in problems[0]
