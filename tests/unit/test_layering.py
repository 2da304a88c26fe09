"""The library never imports Streamlit: the CLI, tests and benchmarks get the app's numbers without it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import mobilenet_viz
from tests.conftest import ROOT


def test_library_never_imports_streamlit():
    modules = [
        m.name
        for m in pkgutil.walk_packages(mobilenet_viz.__path__, "mobilenet_viz.")
        if m.name != "mobilenet_viz.__main__"
    ]
    assert len(modules) >= 10
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"streamlit imported by the library: {result.stdout}"


def test_analytic_half_imports_neither_torch_nor_streamlit_nor_the_runtime():
    """mobilenet_viz.analytic (and the classroom's question bank built on it) is the papers' formulas:
    importing all of it pulls in no torch, torchvision, onnxruntime, streamlit or mobilenet_viz.runtime,
    so the CLI's `conv`/`block`/`arch` answer in milliseconds and a page's costs never wait on torch."""
    import mobilenet_viz.analytic as analytic

    modules = [m.name for m in pkgutil.walk_packages(analytic.__path__, "mobilenet_viz.analytic.")]
    modules += ["mobilenet_viz.classroom.class_questions", "mobilenet_viz.classroom.class_store"]
    assert len(modules) >= 10
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "roots = ('torch', 'torchvision', 'onnxruntime', 'streamlit', 'mobilenet_viz.runtime', 'ui')\n"
        "bad = sorted(m for m in sys.modules if any(m == r or m.startswith(r + '.') for r in roots))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"the analytic half imported: {result.stdout[:300]}"
