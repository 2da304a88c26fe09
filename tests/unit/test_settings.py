"""Every MOBILENET_VIZ_* setting is read in mobilenet_viz/settings.py, and docs/DESIGN.md lists them."""

from __future__ import annotations

import ast

import pytest

from mobilenet_viz import settings
from mobilenet_viz.runtime import weights as w
from tests.conftest import ROOT


def app_code() -> list:
    """The app's Python files: the router, the library, ui/ and pages/."""
    folders = ("mobilenet_viz", "ui", "pages")
    return [ROOT / "app.py", *(p for f in folders for p in sorted((ROOT / f).rglob("*.py")))]


def environment_reads(path, root=ROOT) -> list[str]:
    """'file:line' of every os.environ / os.getenv use in ``path`` (writes by setdefault excepted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            found.append(node)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [node for a in node.names if a.name in ("environ", "getenv")]
    parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    reads = []
    for node in found:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr == "setdefault":
            continue  # mobilenet_viz/__init__.py turns ONNX Runtime's telemetry off
        reads.append(f"{path.relative_to(root)}:{node.lineno}")
    return reads


def test_only_the_settings_module_reads_the_environment():
    files = app_code()
    assert len(files) > 50
    reads = [r for p in files if p.name != "settings.py" for r in environment_reads(p)]
    assert reads == []
    assert environment_reads(ROOT / "mobilenet_viz" / "settings.py")  # the scan sees real reads


def test_the_scan_finds_a_read_outside_settings(tmp_path):
    (tmp_path / "x.py").write_text(
        "import os\nfrom os import getenv\nA = os.environ.get('MOBILENET_VIZ_X')\n"
        "os.environ.setdefault('ORT_DISABLE_TELEMETRY', '1')\n"
    )
    assert environment_reads(tmp_path / "x.py", tmp_path) == ["x.py:2", "x.py:3"]


def test_design_doc_lists_every_setting_exactly():
    design = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in design
    names = [s.name for s in settings.SETTINGS]
    assert len(names) == len(set(names)) and all(n.startswith("MOBILENET_VIZ_") for n in names)
    constants = {v for k, v in vars(settings).items() if k.startswith("ENV_")}
    assert constants == set(names)


@pytest.mark.parametrize(
    ("value", "offline"),
    [("1", True), (" Yes ", True), ("ON", True), ("off", False), ("0", False), ("", False)],
)
def test_offline_means_the_same_to_the_loader_and_weights_where(monkeypatch, value, offline):
    monkeypatch.setenv(settings.ENV_OFFLINE, value)
    assert settings.offline() is offline and w.offline_requested() is offline


def test_numbers_fall_back_to_their_default_when_not_positive_integers(monkeypatch):
    for value, threads in (("3", 3), ("0", 1), ("-2", 1), ("two", 1), ("", 1)):
        monkeypatch.setenv(settings.ENV_THREADS, value)
        assert settings.threads() == threads
    monkeypatch.delenv(settings.ENV_MAX_CONCURRENT, raising=False)
    assert settings.max_concurrent() == 1


def test_data_dir_and_weights_files(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.ENV_DATA_DIR, str(tmp_path / "class"))
    assert settings.data_dir() == tmp_path / "class"
    monkeypatch.delenv(settings.ENV_DATA_DIR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert settings.data_dir() == tmp_path / "mobilenet-lab"
    monkeypatch.setenv(settings.ENV_V3_WEIGHTS, "  /x/v3.pth ")
    assert settings.weights_file(settings.ENV_V3_WEIGHTS) == "/x/v3.pth"
    with pytest.raises(ValueError):
        settings.weights_file(settings.ENV_THREADS)
