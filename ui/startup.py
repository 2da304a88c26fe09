"""Once per server process: import the heavy libraries early, then freeze the heap.

Streamlit runs ``gc.collect(2)`` after every script run (config ``runner.postScriptGC``) to keep
memory from building up. With torch, torchvision, ONNX Runtime, plotly and pandas imported the
heap holds hundreds of thousands of tracked objects and that full collection is slow, with the
GIL held: every click of every student waits for it. ``gc.freeze()`` moves the objects alive at
that moment (modules, classes, functions: they live as long as the process) into a permanent
generation the collector skips, so the per-run collection only scans what runs created and still
frees their cycles (before/after: ``benchmarks/post_run_gc.py``, the README's Benchmarks table).

After the imports, torch's thread count is set for a shared server
(``mobilenet_viz.runtime.serving.use_serving_threads``: one thread per inference by default).

The imports run in a background thread, so the first visitor's page is not held up; a page that
needs a module meanwhile waits on Python's import lock and then finds it imported.
"""

from __future__ import annotations

import gc
import importlib
import threading

import mobilenet_viz  # noqa: F401 - first: it turns ONNX Runtime's telemetry off before the preload imports it

# What the pages import sooner or later; importing them before the freeze makes them permanent.
PRELOAD = (
    "numpy",
    "pandas",
    "PIL.Image",
    "plotly.graph_objects",
    "torch",
    "torchvision",
    "torch.onnx",
    "onnx",
    "onnxruntime",
    "mobilenet_viz.analytic.architectures",
    "mobilenet_viz.analytic.blocks",
    "mobilenet_viz.runtime.cam",
    "mobilenet_viz.runtime.filtering",
    "mobilenet_viz.runtime.classify",
    "mobilenet_viz.runtime.timing",
    "mobilenet_viz.figures.architectures",
    "mobilenet_viz.figures.blocks",
    "mobilenet_viz.figures.classify",
    "mobilenet_viz.figures.filters",
    "mobilenet_viz.figures.separable",
)

_lock = threading.Lock()
_started = False
done = threading.Event()


def preload_and_freeze(modules: tuple[str, ...] = PRELOAD) -> None:
    """Import ``modules``, collect, then ``gc.freeze()`` (blocking). Missing modules are skipped."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - an optional engine missing must not stop the app
            pass
    from mobilenet_viz.runtime.serving import use_serving_threads

    use_serving_threads()  # ui.model.get_model also sets it, so no engine is built before this
    gc.collect()
    gc.freeze()
    done.set()


def start() -> None:
    """Start :func:`preload_and_freeze` in a daemon thread, once per process; returns at once."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=preload_and_freeze, name="mnl-preload", daemon=True).start()
    announce_teacher_pin()


def announce_teacher_pin() -> None:
    """Print the Class page's teacher PIN in the server's terminal (stderr, next to Streamlit's own
    messages; once per process: start() runs once)."""
    import sys

    from mobilenet_viz.classroom.teacher_pin import process_gate
    from mobilenet_viz.settings import ENV_TEACHER_PIN

    try:
        pin = process_gate().pin
    except ValueError as exc:  # a malformed MOBILENET_VIZ_TEACHER_PIN
        print(
            f"MobileNet Lab: {exc}; the Class page's teacher controls stay locked.",
            file=sys.stderr,
            flush=True,
        )
        return
    print(
        f"MobileNet Lab: teacher PIN for the Class questions page: {pin} (set {ENV_TEACHER_PIN} to choose one)",
        file=sys.stderr,
        flush=True,
    )
