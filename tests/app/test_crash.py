"""A bug in a page shows the student one line with an error id, never a traceback; the server
log has the traceback under the same id (issue 16)."""

from __future__ import annotations

import logging
import re

from streamlit.testing.v1 import AppTest

import mobilenet_viz.analytic.costs
from tests.app.helpers import APP, texts
from ui import crash


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_page_exception_becomes_an_id_and_a_log_line(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("internal detail /home/teacher/secret")

    monkeypatch.setattr(mobilenet_viz.analytic.costs, "grouped_conv_cost", broken)
    handler = _Records()
    crash.LOG.addHandler(handler)
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.switch_page("pages/separable.py")
        at.run()
    finally:
        crash.LOG.removeHandler(handler)
    assert not at.exception, "the router must catch the page's exception"
    shown = [e.value for e in at.error if crash.MESSAGE in e.value]
    assert len(shown) == 1, texts(at)
    error_id = re.search(r"error id \*\*([0-9a-f]{8})\*\*", shown[0]).group(1)
    assert "secret" not in texts(at) and "RuntimeError" not in texts(at)
    logged = [r for r in handler.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None and "secret" in logged[0].getMessage()
    assert at.title, "the page drew what it could before the error"
