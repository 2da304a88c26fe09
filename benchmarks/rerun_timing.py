"""Shared by the *_rerun.py scripts: time AppTest reruns after a control change and print them.

A "rerun" is what the server does when a student moves a control: the whole page script runs
again. AppTest runs it in-process (no browser, no network), so this is server-side time only.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WARMUP = 2  # the first reruns fill caches (imports, st.cache_data); they are not counted


def time_reruns(at, change: Callable[[object, int], None], runs: int) -> list[float]:
    """Call change(at, i) then time at.run(), runs + WARMUP times; the sorted timed samples (ms)."""
    samples = []
    for i in range(runs + WARMUP):
        change(at, i)
        start = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - start) * 1e3
        if at.exception:
            raise SystemExit(f"page raised: {at.exception[0].value}")
        if i >= WARMUP:
            samples.append(elapsed)
    return sorted(samples)


def report(name: str, samples: list[float]) -> None:
    p90 = samples[int(0.9 * (len(samples) - 1))]
    print(f"  {name:<34} median {statistics.median(samples):6.1f} ms   p90 {p90:6.1f} ms   "
          f"min {samples[0]:6.1f} ms   max {samples[-1]:6.1f} ms")  # fmt: skip
