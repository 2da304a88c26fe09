"""Where a student's browser spends its CPU: Chromium CPU seconds to open each page in a fresh
browser, per Chromium process type, and per second while the page sits open.

For each target, each repetition starts a fresh Chromium (the flags of
``benchmarks/classroom_load.py``, so the numbers compare), opens one new context (an empty cache:
a student's first visit), loads the page's URL, waits until the script run has ended and no
skeleton is left, then ``--settle`` seconds more (charts draw after the run ends). CPU seconds
(user + system, from /proc; less sensitive to other load on the machine than wall time) are read
per process type: ``browser`` (the main process: network, IPC), ``renderer`` (the page: V8 parsing
and running Streamlit's JavaScript, layout, paint), ``gpu-process`` (compositing; with
``--disable-gpu`` it rasterises in software), ``utility`` (network service, storage). Then the
page stays open for ``--idle`` seconds: CPU per second with nothing happening (animations,
``st.fragment(run_every=...)`` polls). The first screen's content is counted (plotly charts,
KaTeX formulas, images), and the medians over ``--reps`` repetitions are printed.

``bare`` is a one-line Streamlit app (a title; ``bare+code`` etc. add one element) served by the same Streamlit: the floor
that Streamlit's own JavaScript bundle costs whatever the app shows.

    python benchmarks/browser_cpu.py --reps 3
    python benchmarks/browser_cpu.py --reps 3 --app-root /tmp/old-checkout --targets join question
    python benchmarks/browser_cpu.py --reps 3 --targets bare join --flags-variant gpu

Localhost only; bounded (--timeout per page, at most 20 repetitions).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classroom_load import (  # noqa: E402 - the same browser flags, server and wait conditions
    CHROMIUM_ARGS,
    DONE,
    JOIN_LINK,
    POLL_MS,
    ROOT,
    RUN_TRACKER,
    Server,
    descendants_cpu,
    seed_question,
)

# The floor: a one-line app, plus (?with=...) one kind of element at a time, to price each of
# Streamlit's lazily loaded JavaScript chunks on its own.
BARE_APP = """import streamlit as st

st.title("hi")
parts = st.query_params.get("with", "").split(",")
if "code" in parts:  # in a collapsed expander, like the sidebar's "Share this view" links
    with st.expander("links"):
        st.code("http://127.0.0.1/separable?kernel=3", language=None, wrap_lines=True)
if "plotly" in parts:
    import plotly.graph_objects as go

    st.plotly_chart(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
if "latex" in parts:
    st.latex(r"D_K \\cdot D_K \\cdot M \\cdot D_F \\cdot D_F")
if "dataframe" in parts:
    st.dataframe({"a": [1, 2], "b": [3, 4]})
if "dataframe_folded" in parts:  # in a collapsed expander (Classify's results table)
    with st.expander("table"):
        st.dataframe({"a": [1, 2], "b": [3, 4]})
if "table" in parts:  # a static HTML table (no data grid)
    st.table({"a": [1, 2], "b": [3, 4]})
if "html" in parts:  # a light chart (mobilenet_viz/figures/html_charts.py): markup, no chunk
    st.html('<figure><figcaption>bars</figcaption><span style="display:block;width:40%;'
            'height:1em;background:#f97316"></span></figure>')
if "wait" in parts:  # a 4 s run: what the browser spends while a student waits for the server
    import time

    with st.spinner("Waiting…"):
        time.sleep(4)
"""
# Each target: the URL path (and query) a fresh browser opens. "question" is filled in by
# seed_question (a live class question, as the classroom route's question step opens it).
TARGETS = {
    "bare": "/",
    "bare+code": "/?with=code",
    "bare+plotly": "/?with=plotly",
    "bare+latex": "/?with=latex",
    "bare+dataframe": "/?with=dataframe",
    "bare+dataframe_folded": "/?with=dataframe_folded",
    "bare+table": "/?with=table",
    "bare+html": "/?with=html",
    "bare+wait": "/?with=wait",
    "join": JOIN_LINK,
    "home": "/",
    "separable_charts": JOIN_LINK + "&view=Charts",
    "inverted_residual": "/inverted_residual",
    "classify": "/classify",
    "question": None,
}
PROCESS_TYPES = ("browser", "renderer", "gpu-process", "utility", "zygote", "other")
COUNT_JS = """() => ({
  plotly: document.querySelectorAll('.js-plotly-plot').length,
  katex: document.querySelectorAll('.katex').length,
  images: document.querySelectorAll('[data-testid="stMain"] img').length,
  vega: document.querySelectorAll('[data-testid="stVegaLiteChart"]').length,
  scripts: performance.getEntriesByType('resource').filter(r => r.initiatorType === 'script'
           || r.name.endsWith('.js')).length,
  js_kb: Math.round(performance.getEntriesByType('resource').filter(r => r.name.endsWith('.js'))
           .reduce((a, r) => a + (r.decodedBodySize || 0), 0) / 1024),
})"""
READY = f"() => {DONE} && document.querySelector('[data-testid=\"stMain\"]') !== null"
MAX_REPS = 20


def process_type(pid: int) -> str:
    """Chromium's ``--type=`` of a process ("browser" without one). Zygote-forked children rewrite
    their command line as one space-separated string, so it is searched, not split on NULs."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().replace(b"\0", b" ")
    except OSError:
        return "other"
    found = re.search(rb"--type=([\w-]+)", cmdline)
    if found:
        kind = found.group(1).decode()
        return kind if kind in PROCESS_TYPES else "other"
    return "browser" if b"chrom" in cmdline.split(b" ", 1)[0] else "other"


def chromium_cpu(exclude: set[int]) -> dict[int, tuple[str, float]]:
    """pid -> (process type, CPU s) of every live process below this one, except ``exclude``'s."""
    return {
        pid: (process_type(pid), seconds)
        for pid, seconds in descendants_cpu(os.getpid(), exclude).items()
    }


def by_type(before: dict, after: dict) -> dict[str, float]:
    out = dict.fromkeys(PROCESS_TYPES, 0.0)
    for pid, (kind, seconds) in after.items():
        out[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return out


async def one_page(url: str, args, exclude: set[int]) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=args.chromium, args=args.flags)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            await context.add_init_script(RUN_TRACKER)
            page = await context.new_page()
            await asyncio.sleep(1)  # let the fresh browser finish starting up (not the page's cost)
            c0, t0 = chromium_cpu(exclude), time.perf_counter()
            await page.goto(url, wait_until="commit", timeout=args.timeout * 1000)
            await page.wait_for_function(READY, timeout=args.timeout * 1000, polling=POLL_MS)
            wall = time.perf_counter() - t0
            await asyncio.sleep(args.settle)
            c1 = chromium_cpu(exclude)
            counts = await page.evaluate(COUNT_JS)
            await asyncio.sleep(args.idle)
            c2 = chromium_cpu(exclude)
            await context.close()
        finally:
            await browser.close()
    load = by_type(c0, c1)
    idle = by_type(c1, c2)
    return {
        "load_cpu_s": sum(load.values()),
        "load_by_type": load,
        "idle_cpu_per_s": sum(idle.values()) / args.idle if args.idle else 0.0,
        "idle_by_type": {k: v / args.idle for k, v in idle.items()} if args.idle else {},
        "wall_s": wall,
        **counts,
    }


def median_row(rows: list[dict]) -> dict:
    row = {k: statistics.median(r[k] for r in rows) for k in rows[0] if not k.endswith("type")}
    for key in ("load_by_type", "idle_by_type"):
        row[key] = {t: statistics.median(r[key].get(t, 0.0) for r in rows) for t in PROCESS_TYPES}
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--targets", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--settle", type=float, default=2.0, help="seconds after the run ends")
    ap.add_argument("--idle", type=float, default=6.0, help="seconds of an open, idle page")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--app-root", type=Path, default=ROOT)
    ap.add_argument(
        "--flags-variant",
        choices=("benchmark", "gpu"),
        default="benchmark",
        help="benchmark: classroom_load.py's flags; gpu: the same without --disable-gpu (headless "
        "Chromium then composites with its software GL: no GPU on this machine either)",
    )
    ap.add_argument(
        "--chromium", default=os.environ.get("MOBILENET_VIZ_CHROMIUM", "/usr/bin/chromium")
    )
    ap.add_argument("--weights", type=Path, help="MOBILENET_VIZ_WEIGHTS for the server")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not 1 <= args.reps <= MAX_REPS:
        ap.error(f"--reps must be between 1 and {MAX_REPS}")
    args.flags = [
        f for f in CHROMIUM_ARGS if not (args.flags_variant == "gpu" and f == "--disable-gpu")
    ]
    log_dir = Path(tempfile.mkdtemp(prefix="browser-cpu-"))
    env = {"MOBILENET_VIZ_OFFLINE": "1", "MOBILENET_VIZ_DATA_DIR": str(log_dir / "data")}
    if args.weights:
        env["MOBILENET_VIZ_WEIGHTS"] = str(args.weights.resolve())
    targets = dict(TARGETS)
    if "question" in args.targets:
        targets["question"] = seed_question(log_dir / "data")[0]
    servers = {}
    try:
        if any(t.startswith("bare") for t in args.targets):
            bare = log_dir / "bare"
            bare.mkdir()
            (bare / "app.py").write_text(BARE_APP)
            (bare / ".streamlit").mkdir()  # the app's client and theme settings, the same page
            config = args.app_root / ".streamlit" / "config.toml"
            (bare / ".streamlit" / "config.toml").write_text(config.read_text())
            # classroom_load's server wrapper imports the app's library: from the app's root
            servers["bare"] = Server({"PYTHONPATH": str(args.app_root)}, log_dir, None, bare)
        if any(not t.startswith("bare") for t in args.targets):
            servers["app"] = Server(env, log_dir, None, args.app_root)
        exclude = {s.proc.pid for s in servers.values()}
        for server in servers.values():  # imports, caches and the model: not the browser's cost
            for name in args.targets:
                if name.startswith("bare") == (server is servers.get("bare")):
                    asyncio.run(one_page(server.url + targets[name], args, exclude))
        results = {name: [] for name in args.targets}
        for rep in range(args.reps):  # the targets in turns, so a busy minute hits all of them
            for name in args.targets:
                server = servers["bare" if name.startswith("bare") else "app"]
                row = asyncio.run(one_page(server.url + targets[name], args, exclude))
                results[name].append(row)
                print(
                    f"rep {rep + 1} {name}: {row['load_cpu_s']:.2f} CPU-s to open, "
                    f"{row['idle_cpu_per_s']:.3f} CPU-s/s idle",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        for server in servers.values():
            server.stop()
    medians = {name: median_row(rows) for name, rows in results.items()}
    print(
        f"Chromium CPU seconds, medians of {args.reps} (fresh browser and context per page, "
        f"flags: {' '.join(args.flags)}; app: {args.app_root}):\n"
    )
    print(
        "| page | open: CPU s | renderer | gpu | browser | utility | wall s "
        "| idle CPU s/s | plotly | KaTeX | images | JS kB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in medians.items():
        t = m["load_by_type"]
        print(
            f"| {name} | {m['load_cpu_s']:.2f} | {t['renderer']:.2f} | {t['gpu-process']:.2f} | "
            f"{t['browser']:.2f} | {t['utility']:.2f} | {m['wall_s']:.1f} | "
            f"{m['idle_cpu_per_s']:.3f} | {m['plotly']:.0f} | {m['katex']:.0f} | "
            f"{m['images']:.0f} | {m['js_kb']:.0f} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"raw": results, "medians": medians}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
