"""ui.startup: the heavy modules are imported once and frozen out of the per-run collection."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

CODE = """
import gc, sys
from ui import startup
startup.start()
startup.start()  # a second call (every later script run) starts nothing
assert startup.done.wait(300), "preload did not finish"
import threading
assert sum(t.name == "mnl-preload" for t in threading.enumerate()) == 0
frozen = gc.get_freeze_count()
# what a page run leaves behind is still collected: a reference cycle made after the freeze
class Node: pass
a, b = Node(), Node(); a.other, b.other = b, a
del a, b
found = gc.collect(2)
import torch
print(frozen, found, "torch" in sys.modules, "mobilenet_viz.runtime.classify" in sys.modules, torch.get_num_threads())
"""


def _run(env_threads: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "MOBILENET_VIZ_THREADS"}
    if env_threads is not None:
        env["MOBILENET_VIZ_THREADS"] = env_threads
    result = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_preload_imports_the_libraries_and_freezes_them_but_new_cycles_are_still_collected():
    frozen, found, torch_loaded, inference_loaded, threads = _run(None)
    assert (
        int(frozen) > 100_000
    )  # torch, torchvision, plotly, pandas...: hundreds of thousands of objects
    assert int(found) >= 2  # the two nodes of the cycle (and their __dict__s)
    assert torch_loaded == "True" and inference_loaded == "True"
    assert threads == "1"  # a shared server: one thread per inference (see serving.serving_threads)


def test_the_server_thread_count_comes_from_the_environment_and_garbage_falls_back_to_one():
    assert _run("2")[-1] == "2"
    assert _run("lots")[-1] == "1"
