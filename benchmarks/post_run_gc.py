"""What Streamlit's per-run garbage collection costs, with and without ui.startup's gc.freeze().

Streamlit calls gc.collect(2) after every script run (config runner.postScriptGC). This script
imports what the app imports (ui.startup.PRELOAD), builds the model the Classify page holds,
then times a full collection --repeats times before and after gc.freeze(), in one process.

    python benchmarks/post_run_gc.py
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ui import startup  # noqa: E402


def time_collections(repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        gc.collect(2)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()

    for name in startup.PRELOAD:
        __import__(name)
    from torchvision.models import mobilenet_v2

    model = mobilenet_v2(weights=None).eval()  # noqa: F841 - alive like the app's cached model
    tracked = len(gc.get_objects())
    before = time_collections(args.repeats)
    gc.freeze()
    after = time_collections(args.repeats)
    b, a = statistics.median(before), statistics.median(after)
    print(f"tracked objects after the app's imports: {tracked:,}")
    print(
        f"gc.collect(2), median of {args.repeats}: {b:.1f} ms without freeze, "
        f"{a * 1000:.1f} µs after gc.freeze() (GIL held for that long after every script run)"
    )


if __name__ == "__main__":
    main()
