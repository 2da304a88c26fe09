"""A class answering at once: how long the SQLite class store takes to record N answers that
arrive in the same instant, as N threads (one server process, like Streamlit's sessions) and as
N processes (several app replicas on one file), and what one phone's poll costs.

    python benchmarks/class_store_burst.py [--students 30] [--rounds 7]

Prints, per mode, the median and max over rounds of the wall time from the release of the
barrier to the last answer committed, the slowest single answer, and that no answer was lost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mobilenet_viz.classroom.class_store import ClassStore  # noqa: E402


def _one(path: str, code: str, question: int, student: str, barrier, out) -> None:
    store = ClassStore(path)
    barrier.wait()
    start = time.perf_counter()
    store.answer(code, question, student, "1.0", True)
    out.put((start, time.perf_counter()))


def burst(store: ClassStore, n: int, processes: bool) -> tuple[float, float, int]:
    code = store.create_class()
    question = store.start_question(code, {"n": 1})
    if processes:
        ctx = multiprocessing.get_context("spawn")
        barrier, out = ctx.Barrier(n), ctx.Queue()
        workers = [
            ctx.Process(target=_one, args=(str(store.path), code, question, f"p{i}", barrier, out))
            for i in range(n)
        ]
    else:
        import queue

        barrier, out = threading.Barrier(n), queue.Queue()
        workers = [
            threading.Thread(
                target=_one, args=(str(store.path), code, question, f"t{i}", barrier, out)
            )
            for i in range(n)
        ]
    for w in workers:
        w.start()
    times = [out.get(timeout=120) for _ in range(n)]
    for w in workers:
        w.join()
    first = min(s for s, _ in times)
    wall = max(e for _, e in times) - first
    slowest = max(e - s for s, e in times)
    return wall, slowest, len(store.answers(code, question))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = ClassStore(Path(tmp) / "classes.sqlite3")
        for processes in (False, True):
            runs = [burst(store, args.students, processes) for _ in range(args.rounds)]
            walls = [r[0] * 1e3 for r in runs]
            slowest = [r[1] * 1e3 for r in runs]
            kept = {r[2] for r in runs}
            print(
                f"{args.students} {'processes' if processes else 'threads'}: all answers in "
                f"{statistics.median(walls):.1f} ms median, {max(walls):.1f} ms max; slowest answer "
                f"{statistics.median(slowest):.1f} ms median, {max(slowest):.1f} ms max; answers kept {kept} "
                f"of {args.students} ({args.rounds} rounds)"
            )
        code = store.create_class()
        store.start_question(code, {"n": 1})
        polls = []
        for _ in range(500):
            start = time.perf_counter()
            store.current_question(code)
            polls.append(time.perf_counter() - start)
        print(
            f"one phone's poll (current_question): {statistics.median(polls) * 1e3:.2f} ms median, "
            f"{sorted(polls)[int(0.95 * len(polls))] * 1e3:.2f} ms p95"
        )


if __name__ == "__main__":
    main()
