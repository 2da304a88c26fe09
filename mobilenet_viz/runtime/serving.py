"""How much of a shared server one inference may use: threads per inference and inference slots.

A classroom server is shared by ~30 students on a few cores. Each inference uses
:func:`serving_threads` threads (env ``MOBILENET_VIZ_THREADS``, default 1), and a process-wide
semaphore lets only :data:`MAX_CONCURRENT` timed inferences run at once (env
``MOBILENET_VIZ_MAX_CONCURRENT``, default 1), so clicks queue instead of oversubscribing the cores
and timing each other's work; the wait is reported separately as ``queued_ms``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import torch

from mobilenet_viz import settings


def serving_threads() -> int:
    """Threads one inference may use in the app: env ``MOBILENET_VIZ_THREADS``, default 1.

    One thread, because a server is shared: a descheduled OpenMP thread stalls its partner at every
    barrier, so two threads per inference on cores other processes keep busy are far slower than
    one (README, "Pretrained weights and offline use"). Throughput comes from running up to
    :data:`MAX_CONCURRENT` inferences side by side.
    """
    return settings.threads()


def use_serving_threads() -> int:
    """Set torch's (and so the ONNX engine's) intra-op threads to :func:`serving_threads`."""
    threads = serving_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


MAX_CONCURRENT = settings.max_concurrent()
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT)
_HELD = threading.local()  # how deep this thread is inside inference_slot()


@contextlib.contextmanager
def inference_slot() -> Iterator[dict[str, float]]:
    """Hold one of the :data:`MAX_CONCURRENT` inference slots; yields {'queued_ms': wait}.

    Re-entrant per thread: a library function that takes the slot itself (layer timing, feature
    maps) may be called by a page that already holds it, without waiting on itself.
    """
    depth = getattr(_HELD, "depth", 0)
    if depth:
        _HELD.depth = depth + 1
        try:
            yield {"queued_ms": 0.0}
        finally:
            _HELD.depth = depth
        return
    start = time.perf_counter()
    _SLOTS.acquire()
    info = {"queued_ms": (time.perf_counter() - start) * 1e3}
    _HELD.depth = 1
    try:
        yield info
    finally:
        _HELD.depth = 0
        _SLOTS.release()
