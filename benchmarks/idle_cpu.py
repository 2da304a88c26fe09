"""Idle-tab CPU: what an open but untouched browser tab costs the server.

Starts `streamlit run app.py` from the repository root exactly as the README says (the shipped
`.streamlit/config.toml` applies; a `.venv` inside the repository is what the README suggests),
opens 3 tabs in one headless Chromium, waits until every tab has finished its first script run,
lets the server settle for --settle seconds, then reads the server process's CPU time
(utime + stime from /proc/<pid>/stat) over --seconds and prints it as % of one core.

Each configuration runs with a fresh server, one after the other in the same run, so they can be
compared side by side:

- ``shipped``: the shipped config (``server.fileWatcherType = "none"``);
- ``watcher``: the same plus ``--server.fileWatcherType auto`` (the developer setting the
  README documents; before issue 16 this was the default). With a ``.venv`` in the repository
  the watcher walks it; the inotify queue can overflow and the watcher rescans.

    python benchmarks/idle_cpu.py                  # both, 20 s each
    python benchmarks/idle_cpu.py --configs shipped --seconds 20

The target for the shipped config is <= 2% of a core. Localhost only; each server is stopped.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from mobilenet_viz import settings  # noqa: E402

CHROMIUM = settings.chromium() or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CONFIGS = {"shipped": [], "watcher": ["--server.fileWatcherType", "auto"]}
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start(extra: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        *extra,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 120 s")


def measure(name: str, tabs: int, settle: float, seconds: float, log_dir: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    log = log_dir / f"server-{name}.log"
    proc, url = start(CONFIGS[name], log)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = []
            for _ in range(tabs):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url, wait_until="domcontentloaded")
                pages.append(page)
            for page in pages:  # the first script run of every tab is over
                page.wait_for_selector(
                    '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000
                )
                page.wait_for_selector("h1", timeout=60_000)
            time.sleep(settle)
            before, start_wall = cpu_seconds(proc.pid), time.perf_counter()
            time.sleep(seconds)
            used, wall = cpu_seconds(proc.pid) - before, time.perf_counter() - start_wall
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    overflow = log.read_text(errors="replace").lower().count("overflow")
    return {"cpu_s": used, "wall_s": wall, "percent": 100 * used / wall, "overflow_lines": overflow}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--tabs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after the first runs")
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement window")
    args = parser.parse_args()
    venv = ROOT / ".venv"
    print(
        f"repository .venv present: {venv.is_dir()} ({sum(1 for _ in venv.rglob('*')) if venv.is_dir() else 0} entries)"
    )
    with tempfile.TemporaryDirectory(prefix="idle-cpu-") as tmp:
        rows = [
            (name, measure(name, args.tabs, args.settle, args.seconds, Path(tmp)))
            for name in args.configs
        ]
    print(
        f"\n{args.tabs} idle tabs, server CPU over {args.seconds:.0f} s (after {args.settle:.0f} s settle)"
    )
    print(f"{'config':10} {'CPU s':>8} {'% of a core':>12} {'overflow log lines':>19}")
    for name, r in rows:
        print(f"{name:10} {r['cpu_s']:8.2f} {r['percent']:11.1f}% {r['overflow_lines']:19d}")


if __name__ == "__main__":
    main()
