"""One Classify page run on the server, two checkouts side by side: where a run's time goes.

Under classroom load (benchmarks/classroom_load.py) the Classify runs queue for the process-wide
inference slot, so what decides the wait is how long one run *holds the slot*; the rest of a run
is Python under the GIL. For each checkout (--before, --after: folders with app.py, e.g. a
`git archive` of a commit), a worker process loads the app's model once (AppTest, the real
router and page), then repeats two runs the way a student makes them:

  open    the Classify page (the cat sample is classified on opening)
  upload  a photo added on that page (a new file each time: the repetition's number painted in
          as 16 black or white 16x16 squares, so nothing cached per image content is reused; one
          changed pixel was not enough, JPEG encoded neighbouring values to the same bytes)

and reports per run kind: the run's wall time, the time it held the inference slot, and how
often the slot was taken. The two workers take turns, one repetition each, so both see the same
machine load; the medians are over --reps repetitions.

    python benchmarks/classify_run.py --before /tmp/before --after . --reps 15
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("open", "upload")


class SlotClock:
    """Wraps the inference slot's semaphore: time held and acquisitions, per run."""

    def __init__(self, semaphore):
        self.semaphore, self.held, self.taken, self._since = semaphore, 0.0, 0, None

    def acquire(self, *a, **k):
        got = self.semaphore.acquire(*a, **k)
        self._since, self.taken = time.perf_counter(), self.taken + 1
        return got

    def release(self):
        self.held += time.perf_counter() - self._since
        return self.semaphore.release()

    def reset(self):
        self.held, self.taken = 0.0, 0


def _slot_module():
    """The module that owns the slot's semaphore (it moved between versions of the app)."""
    import importlib

    for name in ("mobilenet_viz.runtime.serving", "mobilenet_viz.runtime.inference"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "_SLOTS"):
            return module
    raise RuntimeError("no inference slot (_SLOTS) found in this checkout")


def worker(photo: Path) -> None:
    """In the checkout's folder: answer each line on stdin with one repetition's JSON."""
    sys.path.insert(0, os.getcwd())
    from PIL import Image
    from streamlit.runtime.scriptrunner import script_runner

    from tests.app.helpers import assert_no_exception, by_key, open_page

    clock = SlotClock(_slot_module()._SLOTS)
    _slot_module()._SLOTS = clock
    walls: list[float] = []
    original = script_runner.ScriptRunner._run_script

    def timed(self, rerun_data):
        start = time.perf_counter()
        try:
            return original(self, rerun_data)
        finally:
            walls.append(time.perf_counter() - start)

    script_runner.ScriptRunner._run_script = timed
    base = Image.open(photo).convert("RGB")
    seen: set[bytes] = set()

    def unique_photo(rep: int) -> bytes:
        """The photo with ``rep`` in binary in its top row of 16x16 squares (JPEG keeps them)."""
        image = base.copy()
        for bit in range(16):
            square = (255, 255, 255) if rep >> bit & 1 else (0, 0, 0)
            image.paste(square, (16 * bit, 0, 16 * bit + 16, 16))
        data = io.BytesIO()
        image.save(data, "JPEG", quality=92)
        if data.getvalue() in seen:
            raise RuntimeError(f"repetition {rep}: the same upload as an earlier one")
        seen.add(data.getvalue())
        return data.getvalue()

    def one(rep: int) -> dict:
        out = {}
        clock.reset()
        walls.clear()
        at = open_page("pages/classify.py")  # runs app.py (home), then the page: the last run
        out["open"] = {"wall": walls[-1], "slot": clock.held, "taken": clock.taken}
        by_key(at.file_uploader, "cls_uploads").set_value(
            [(f"photo{rep}.jpg", unique_photo(rep), "image/jpeg")]
        )
        clock.reset()
        walls.clear()
        at.run()
        assert_no_exception(at)
        out["upload"] = {"wall": walls[-1], "slot": clock.held, "taken": clock.taken}
        return out

    one(10_000)  # warm-up: model, engines, caches
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(one(int(line))), flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="checkout folder (has app.py)")
    ap.add_argument("--after", type=Path, default=ROOT, help="checkout folder (default: this one)")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--photo", type=Path, default=ROOT / "assets" / "samples" / "coffee.jpg")
    ap.add_argument("--weights", type=Path, help="MobileNetV2 state_dict (MOBILENET_VIZ_WEIGHTS)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not 1 <= args.reps <= 200:
        ap.error("--reps must be between 1 and 200")
    env = {**os.environ, "MOBILENET_VIZ_OFFLINE": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "0"}
    if args.weights:
        env["MOBILENET_VIZ_WEIGHTS"] = str(args.weights.resolve())
    workers = {}
    for label, folder in (("before", args.before), ("after", args.after)):
        if not (folder / "app.py").is_file():
            ap.error(f"no app.py in {folder}")
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(args.photo.resolve())],
            cwd=folder.resolve(),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        workers[label] = proc
    try:
        for label, proc in workers.items():
            line = proc.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"the {label} worker did not start (exit {proc.poll()})")
        results: dict[str, list[dict]] = {label: [] for label in workers}
        for rep in range(args.reps):
            for label, proc in workers.items():  # turns: both see the same machine load
                proc.stdin.write(f"{rep}\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"the {label} worker stopped (exit {proc.poll()})")
                results[label].append(json.loads(line))
    finally:
        for proc in workers.values():
            proc.stdin.close()
            proc.wait(timeout=60)

    def med(label: str, kind: str, what: str) -> float:
        return statistics.median(r[kind][what] for r in results[label])

    print(f"Classify, one run on the server: medians of {args.reps} repetitions, taken in turns\n")
    print(
        "| run | wall before (s) | wall after (s) | slot held before (ms) | slot held after (ms) | after / before (slot) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        wb, wa = med("before", kind, "wall"), med("after", kind, "wall")
        sb, sa = med("before", kind, "slot") * 1e3, med("after", kind, "slot") * 1e3
        print(f"| {kind} | {wb:.3f} | {wa:.3f} | {sb:.0f} | {sa:.0f} | {sa / sb:.2f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(Path(sys.argv[2]))
        sys.exit(0)
    sys.exit(main())
