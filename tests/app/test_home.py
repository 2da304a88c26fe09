"""The home page introduces the app and links every page registered in the router."""

from __future__ import annotations

import re

from tests.app.helpers import open_page
from tests.conftest import ROOT


def registered_pages() -> list[str]:
    return re.findall(r'st\.Page\(\s*"(pages/[a-z0-9_]+\.py)"', (ROOT / "app.py").read_text())


def test_home_renders_and_links_every_page():
    at = open_page("pages/home.py")
    assert at.title[0].value == "MobileNet Lab"
    assert any("depthwise separable convolution" in m.value for m in at.markdown)
    linked = {link.proto.page for link in at.get("page_link")}
    others = [
        p.removeprefix("pages/").removesuffix(".py")
        for p in registered_pages()
        if p != "pages/home.py"
    ]
    assert len(others) >= 5
    assert linked == set(others)


def test_every_registered_page_exists_and_no_auto_pages_duplicate_them():
    # The router lists every page file exactly once.
    pages = registered_pages()
    assert len(pages) == len(set(pages))
    assert sorted(pages) == sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
