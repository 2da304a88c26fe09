"""ui.stage: the key control box and the key visual box, side by side only in presenter mode, and the
global CSS a browser will keep (the browser test tests/e2e/test_screens.py measures the boxes)."""

from __future__ import annotations

import re

import pytest

from tests.app.helpers import open_page
from ui import stage

# page -> (the key control's widget key, the key visual's chart key)
STAGED = {
    "pages/separable.py": ("sep_kernel", "sep_fig_split"),
    "pages/inverted_residual.py": ("ir_expansion", "ir_fig_diagram"),
}


def _find(node, suffix: str, parent=None):
    """(block, its parent) for the keyed container whose element id ends with ``suffix``."""
    if str(getattr(getattr(node, "proto", None), "id", "")).endswith(suffix):
        return node, parent
    for child in getattr(node, "children", {}).values():
        found = _find(child, suffix, node)
        if found:
            return found
    return None


def _keys(node) -> set[str]:
    keys = {getattr(node, "key", None)}
    for child in getattr(node, "children", {}).values():
        keys |= _keys(child)
    return keys - {None}


@pytest.mark.parametrize("page", STAGED)
@pytest.mark.parametrize("present", [False, True])
def test_key_control_and_key_visual_in_their_boxes(page, present):
    at = open_page(page, query={"present": "1"} if present else None)
    controls, controls_parent = _find(at.main, f"-{stage.CONTROLS_KEY}")
    visual, visual_parent = _find(at.main, f"-{stage.VISUAL_KEY}")
    control_key, chart_key = STAGED[page]
    assert control_key in _keys(controls) and chart_key not in _keys(controls)
    assert chart_key in _keys(visual) and control_key not in _keys(visual)
    if present:  # two columns of one row: side by side
        assert type(controls_parent).__name__ == type(visual_parent).__name__ == "Column"
        assert controls_parent is not visual_parent
    else:  # one column, controls first (a phone's CSS shows the visual first)
        assert controls_parent is visual_parent
        assert str(controls_parent.proto.id).endswith(f"-{stage.STAGE_KEY}")
        assert list(controls_parent.children.values()) == [controls, visual]


@pytest.mark.parametrize("present", [False, True])
def test_global_css_holds_no_tag_the_browsers_sanitiser_would_drop(present):
    """Streamlit sanitises st.html: a style element whose text holds a tag ("a <p>" in a comment)
    is dropped whole, and with it every rule (the presenter rules were lost that way)."""
    at = open_page("pages/separable.py", query={"present": "1"} if present else None)
    (style,) = [h.proto.body for h in at.html if stage.CSS_MARKER in h.proto.body]
    inner = re.fullmatch(r'<style id="[\w-]+">(.*)</style>', style, re.S).group(1)
    assert not re.search(r"<[A-Za-z/!?]", inner)
    assert ".katex-display" in inner and "max-width: 640px" in inner
    assert ('[role="tab"]' in inner) is present  # presenter: larger tab labels and formulas
