"""Issue 12: one notation, shown where students start (Home) before the page links."""

from __future__ import annotations

from tests.app.helpers import open_page


def test_home_shows_the_glossary_before_the_page_links():
    at = open_page("pages/home.py")
    texts = [str(m.value) for m in at.markdown]
    glossary = next(i for i, t in enumerate(texts) if "| t (§5.1) | number of channel groups" in t)
    # the links are the stage's visual, drawn after the Notation box
    pick = texts.index("**Pick a page to explore:**")
    assert glossary < pick
    assert "| k, k′ (d′, d″) | a V2 block's input / output channels |" in texts[glossary]
