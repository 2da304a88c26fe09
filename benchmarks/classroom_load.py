"""Classroom load: N students use the app at once, in real browsers, against `streamlit run app.py`.

For each N in --sessions, a fresh server is started on a free localhost port, with a class and a
live class question seeded in a fresh store (MOBILENET_VIZ_DATA_DIR, as a teacher who pressed
*Start a class* and *Ask* leaves it). One warm-up student runs the whole route first (imports, the
shared model, caches); then one student runs it alone (Chromium CPU seconds per step, and each
server run kind's time with nobody else); then N Playwright contexts in one system Chromium run
it concurrently (--route class, the default):

  join (the student link with settings in the query, as the projector's QR code gives)
       -> move the D_K slider -> inverted residual page -> Classify page (the cat sample is
       classified on opening) -> upload a photo (each student their own file) and wait for its
       top-5 -> open the class question by its link -> type the answer and send it

(--route tour: home -> separable -> slider -> inverted residual -> Classify -> upload, the route
measured before the Class page existed.) Per step: p50/p95 latency in seconds, from the action to
the end of the Streamlit script run (the stApp element's data-test-script-state attribute), errors
(timeouts, exception elements). Server: RSS and thread count from /proc/<pid>/status when idle
before the sessions, the peak while they run, and --settle seconds after every context closed
(Streamlit keeps a closed session for server.disconnectedSessionTTL = 120 s by default, so the
settle time should exceed it). Model loads are counted from the server log.

    python benchmarks/classroom_load.py --sessions 5 10 20 30 --settle 150
    python benchmarks/classroom_load.py --sessions 5 --settle 10 --json out.json   # a quick look

Server-side, every script run's wall time is logged with its page and kind (what started it:
"open", a widget's key such as "cls_uploads", "submit:<form>", "poll" for a fragment's timer;
queueing for the inference slot and the GIL included, the browser and the network excluded) and
reported per kind, so the server's latency can be told from the latency N Chromiums on the same
cores add. With --browsers-idle the browsers run under SCHED_IDLE: the server gets the CPU it
would have if the students used their own laptops, and the browser-side numbers grow instead.

    python benchmarks/classroom_load.py --sessions 5 10 20 30 --settle 125 --browsers-idle

--app-root serves another checkout (e.g. a `git archive` of an older commit) with the same
benchmark, for before/after. The numbers depend on the machine; the browsers run on the same cores
as the server, so at high N part of the latency is Chromium rendering, not Streamlit. Localhost
only; everything is bounded (--step-timeout per step, --session-timeout per session, at most 60
sessions).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
# A student's route, step by step. "class" (the default): the student scans the projector's QR
# code (a student link: the page and its settings in the query), moves a slider, opens two more
# pages from the sidebar, uploads a photo on Classify, then joins the class question by its link
# and sends an answer. "tour": the route measured before the Class page existed (home first).
ROUTES = {
    "class": [
        "join",
        "slider",
        "inverted_residual",
        "classify_page",
        "classify_photo",
        "question",
        "answer",
    ],
    "tour": ["home", "separable", "slider", "inverted_residual", "classify_page", "classify_photo"],
}
STEPS = sorted({step for route in ROUTES.values() for step in route})
# The link the QR code on the projector gives for the separable page with these settings
# (ui.presenter.student_link: the page's URL path and its PageParams, no present=1).
JOIN_LINK = "/separable?input_size=28&in_channels=256&out_channels=256&kernel=3"
MAX_SESSIONS = 60

# Counts script runs in the page: every change of stApp's data-test-script-state away from
# notRunning is one run (a widget change, a page switch, an upload).
RUN_TRACKER = """
(() => {
  const s = {starts: 0, state: null};
  window.__mnl = s;
  const observer = new MutationObserver((records) => {
    // Records keep every transition even when the callback runs after several of them.
    for (const r of records) {
      if (r.type === 'attributes' && (r.oldValue === 'notRunning' || r.oldValue === 'initial')) s.starts++;
    }
    const app = document.querySelector('[data-testid="stApp"]');
    s.state = app ? app.getAttribute('data-test-script-state') : null;
  });
  observer.observe(document, {attributes: true, attributeOldValue: true, childList: true, subtree: true,
                              attributeFilter: ['data-test-script-state']});
})();
"""
# "done": the script run ended and every widget's frontend code has loaded (no skeletons left).
# A run is recognised by what it changes (the URL, the page title, the result text), with the
# run counter as a second signal: a fast run can start and end between two observer callbacks.
DONE = "window.__mnl && window.__mnl.state === 'notRunning' && !document.querySelector('[data-testid=\"stSkeleton\"]')"
H1 = "((document.querySelector('[data-testid=\"stMain\"] h1') || {}).innerText || '')"
IDLE = f"() => {DONE}"
HOME_READY = f"() => {DONE} && {H1} !== ''"
CHANGED = f"([href, n]) => {DONE} && (location.href !== href || window.__mnl.starts > n)"
ON_PAGE = f"""([path, title]) => {DONE} && {H1} !== '' && {H1} !== title
    && location.pathname.replace(/\\/$/, '').endsWith(path)"""
POLL_MS = 200  # polling every animation frame in 30 pages would itself load the CPU


async def wait_js(page, expression: str, arg=None, timeout_ms: float = 120_000) -> None:
    await page.wait_for_function(expression, arg=arg, timeout=timeout_ms, polling=POLL_MS)


async def diagnose(page) -> str:
    """The page's state when a step timed out: run state, run count, skeletons, status text."""
    try:
        return await page.evaluate("""() => JSON.stringify({state: window.__mnl && window.__mnl.state,
            starts: window.__mnl && window.__mnl.starts,
            skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
            status: (document.querySelector('[data-testid="stStatusWidget"]') || {}).innerText || '',
            h1: (document.querySelector('h1') || {}).innerText || '', path: location.pathname})""")
    except Exception as exc:  # noqa: BLE001
        return f"(no diagnosis: {type(exc).__name__})"


# --- server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> tuple[float, int]:
    """(RSS in MB, thread count) of a process, from /proc (no psutil needed)."""
    rss_kb, threads = 0, 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss_kb / 1024, threads


def _stat(pid: int) -> tuple[int, float]:
    """(parent pid, CPU seconds user+system) from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    return _stat(pid)[1]


def descendants_cpu(root: int, exclude: int | set[int]) -> dict[int, float]:
    """pid -> CPU seconds of every live process below `root` (the browsers), except the trees of
    `exclude` (a pid or a set of pids: the server)."""
    excluded = {exclude} if isinstance(exclude, int) else exclude
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)], cpu[int(entry)] = _stat(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    found = {}
    for pid, seconds in cpu.items():
        p, seen = pid, 0
        while p in parents and p not in (root, 0, 1) and p not in excluded and seen < 64:
            p, seen = parents[p], seen + 1
        if p == root and pid != root:
            found[pid] = seconds
    return found


class Server:
    def __init__(self, env: dict[str, str], log_dir: Path, ttl: int | None, root: Path = ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"server-{self.port}.log"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            "run",
            str(root / "app.py"),
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            # other people edit this working tree during the run: no "source changed" reruns
            "--server.fileWatcherType",
            "none",
        ]
        if ttl is not None:
            cmd += ["--server.disconnectedSessionTTL", str(ttl)]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            cmd, cwd=root, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **env}
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("streamlit did not become healthy within 120 s")

    def status(self) -> tuple[float, int]:
        return proc_status(self.proc.pid)

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class BrowserCpu(threading.Thread):
    """CPU seconds the browser processes (our descendants) used; sampled because they exit."""

    def __init__(self, server_pid: int, every: float = 1.0):
        super().__init__(daemon=True)
        self.server_pid, self.every = server_pid, every
        self.seen: dict[int, float] = {}
        self._stop_event = threading.Event()

    @property
    def last(self) -> float:
        return sum(self.seen.values())

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid, seconds in descendants_cpu(os.getpid(), self.server_pid).items():
                self.seen[pid] = max(self.seen.get(pid, 0.0), seconds)
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


class Sampler(threading.Thread):
    """Samples server RSS/threads every `every` seconds; keeps the peaks."""

    def __init__(self, server: Server, every: float = 0.5):
        super().__init__(daemon=True)
        self.server, self.every = server, every
        self.peak_rss, self.peak_threads = 0.0, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                rss, threads = self.server.status()
            except OSError:
                return
            self.peak_rss, self.peak_threads = (
                max(self.peak_rss, rss),
                max(self.peak_threads, threads),
            )
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


# --- one student --------------------------------------------------------------------------------


@dataclass
class SessionResult:
    times: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    app_errors: list[str] = field(default_factory=list)  # st.error messages seen (not exceptions)
    cpu: dict[str, float] = field(default_factory=dict)  # browser CPU s per step (alone only)


async def _starts(page) -> int:
    return await page.evaluate("() => window.__mnl ? window.__mnl.starts : 0")


async def _check_page(page, step: str, result: SessionResult) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    if await exceptions.count():
        text = (await exceptions.first.inner_text())[:200].replace("\n", " ")
        result.errors.append(f"{step}: exception element: {text}")
    alerts = page.locator('[data-testid="stAlertContentError"]')
    for i in range(await alerts.count()):
        result.app_errors.append(f"{step}: {(await alerts.nth(i).inner_text())[:160]}")


async def _goto_page(page, path: str, timeout_ms: float) -> None:
    """Click the page's link in the sidebar navigation (same session), or load the URL."""
    title = await page.evaluate(f"() => {H1}")
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]')
    if await link.count():
        await link.first.click()
    else:
        await page.goto(
            f"{page.url.split('?')[0].rsplit('/', 1)[0]}/{path}",
            wait_until="commit",
            timeout=timeout_ms,
        )
    await wait_js(page, ON_PAGE, [f"/{path}", title], timeout_ms)


async def _move_slider(page, label: str, timeout_ms: float) -> None:
    sliders = page.locator('[data-testid="stSlider"]').filter(has_text=re.compile(label, re.I))
    if not await sliders.count():
        sliders = page.locator('[data-testid="stSlider"]')
    # Streamlit's slider thumb is a visually hidden <input type="range"> (react-aria)
    thumb = sliders.first.locator('input[type="range"], [role="slider"]').first
    await thumb.wait_for(state="attached", timeout=timeout_ms)
    n, href = await _starts(page), page.url
    await thumb.focus()
    await page.keyboard.press("ArrowRight")
    await wait_js(page, CHANGED, [href, n], timeout_ms)  # the page writes the new value to the URL


async def _classify_photo(page, photo: Path, result_pattern: str, timeout_ms: float) -> None:
    # the photo uploader is in the main area (the weights uploader lives in the sidebar)
    uploader = page.locator(
        '[data-testid="stMain"] [data-testid="stFileUploader"] input[type="file"]'
    )
    await uploader.first.wait_for(state="attached", timeout=timeout_ms)
    await uploader.first.set_input_files(str(photo))
    button = page.get_by_role(
        "button", name=re.compile(r"^\s*classify\s*$", re.I)
    )  # a page that waits for a click
    if await button.count() and await button.first.is_enabled():
        await wait_js(page, IDLE, None, timeout_ms)
        await button.first.click()
    main = page.locator('[data-testid="stMain"]')
    result_pattern = result_pattern.replace("{name}", re.escape(photo.name))
    deadline = time.monotonic() + timeout_ms / 1000
    while not re.search(result_pattern, await main.inner_text(), re.I):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no text matching {result_pattern!r} after the upload")
        await page.wait_for_timeout(250)
    await wait_js(page, IDLE, None, timeout_ms)


async def _question(page, url: str, timeout_ms: float) -> None:
    """Open the class question by its student link (what the Class page's QR code gives)."""
    await page.goto(url, wait_until="commit", timeout=timeout_ms)
    send = page.get_by_role("button", name=re.compile("Send my answer", re.I))
    await send.first.wait_for(state="visible", timeout=timeout_ms)
    await wait_js(page, IDLE, None, timeout_ms)


async def _answer(page, answer: str, timeout_ms: float) -> None:
    """Type the answer into the question's form and send it; done when the page shows it back."""
    main = page.locator('[data-testid="stMain"]')
    await main.locator('[data-testid="stForm"] input[type="text"]').first.fill(answer)
    await page.get_by_role("button", name=re.compile("Send my answer", re.I)).first.click()
    await main.get_by_text(re.compile("Your answer:")).first.wait_for(
        state="visible", timeout=timeout_ms
    )
    await wait_js(page, IDLE, None, timeout_ms)


async def student(
    browser,
    base_url: str,
    photo: Path,
    args,
    result: SessionResult,
    tag: str,
    cpu_probe=None,
) -> None:
    """One student's route (``args.route``); stops at the first failed step. ``cpu_probe``: a
    function returning the browsers' CPU seconds so far (used when this student is alone)."""
    width, height = args.viewport
    context = await browser.new_context(viewport={"width": width, "height": height})
    step_ms = args.step_timeout * 1000
    context.set_default_timeout(step_ms)
    context.set_default_navigation_timeout(step_ms)  # Playwright's own default is 30 s
    await context.add_init_script(RUN_TRACKER)
    page = await context.new_page()

    async def step(name, action):
        start = time.perf_counter()
        cpu0 = cpu_probe() if cpu_probe else None
        try:
            await action()
        except Exception as exc:  # noqa: BLE001 - every failure is a measured error
            result.errors.append(
                f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]} {await diagnose(page)}"
            )
            if args.shots:
                args.shots.mkdir(parents=True, exist_ok=True)
                try:
                    await page.screenshot(
                        path=str(args.shots / f"{tag}-{name}.png"), timeout=10_000
                    )
                except Exception:  # noqa: BLE001 - a missing screenshot is not a result
                    pass
            return False
        result.times[name] = time.perf_counter() - start
        if cpu_probe:
            result.cpu[name] = cpu_probe() - cpu0
        await _check_page(page, name, result)
        return True

    async def home():
        await page.goto(base_url + "/", wait_until="commit", timeout=step_ms)
        await wait_js(page, HOME_READY, None, step_ms)

    async def join():
        await page.goto(base_url + JOIN_LINK, wait_until="commit", timeout=step_ms)
        await wait_js(page, ON_PAGE, ["/separable", ""], step_ms)

    actions = {
        "home": home,
        "join": join,
        "separable": lambda: _goto_page(page, "separable", step_ms),
        "slider": lambda: _move_slider(page, args.slider_label, step_ms),
        "inverted_residual": lambda: _goto_page(page, "inverted_residual", step_ms),
        "classify_page": lambda: _goto_page(page, "classify", step_ms),
        "classify_photo": lambda: _classify_photo(page, photo, args.result_pattern, step_ms),
        "question": lambda: _question(page, base_url + args.question_link, step_ms),
        "answer": lambda: _answer(page, args.question_answer, step_ms),
    }
    try:
        for name in ROUTES[args.route]:
            if not await step(name, actions[name]):
                break  # the next step would start from a page in an unknown state
    finally:
        await context.close()


async def run_students(
    n: int, base_url: str, photo: Path, args, tag: str, server_pid: int | None = None
) -> list[SessionResult]:
    """n students at once (started over ``args.ramp`` s). With ``server_pid`` (n = 1 only), the
    browsers' CPU seconds are read around each step: one student's cost per step, alone."""
    from playwright.async_api import async_playwright

    results = [SessionResult() for _ in range(n)]
    photos = [
        photo if args.same_photo else own_photo(photo, f"{tag}-{i}", args.photo_dir)
        for i in range(n)
    ]
    probe = None
    if server_pid is not None and n == 1:
        me = os.getpid()

        def probe() -> float:
            return sum(descendants_cpu(me, server_pid).values())

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=args.chromium_launcher, args=CHROMIUM_ARGS
        )
        try:

            async def one(i: int):
                await asyncio.sleep(i * args.ramp / max(n, 1))
                try:
                    await asyncio.wait_for(
                        student(
                            browser, base_url, photos[i], args, results[i], f"{tag}-{i}", probe
                        ),
                        args.session_timeout,
                    )
                except TimeoutError:
                    results[i].errors.append(f"session: over {args.session_timeout} s")

            await asyncio.gather(*(one(i) for i in range(n)))
        finally:
            await browser.close()
    return results


# --- one classroom ------------------------------------------------------------------------------


def own_photo(photo: Path, tag: str, out: Path) -> Path:
    """The photo as this student's own file: one pixel changed, so its bytes (and hash) differ
    from every other student's, as 30 students' own photos would; nothing a server caches per
    image content is shared between students (--same-photo turns this off)."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    image = Image.open(photo).convert("RGB")
    digest = hashlib.sha256(tag.encode()).digest()
    image.putpixel((0, 0), tuple(digest[:3]))
    path = out / f"{photo.stem}-{tag}.jpg"
    image.save(path, quality=92)
    return path


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def classroom(n: int, args, photo: Path, env: dict[str, str], log_dir: Path) -> list[dict]:
    """One server; a warm-up student; then `args.rounds` classes of n students, each followed by
    the settle period. One result row per round (a per-session leak grows round after round)."""
    data_dir = log_dir / f"data-n{n}"
    args.question_link, args.question_answer = seed_question(data_dir)
    server = Server(
        {**env, "MOBILENET_VIZ_DATA_DIR": str(data_dir)}, log_dir, args.ttl, args.app_root
    )
    rows = []
    try:
        cold = server.status()
        warm = asyncio.run(run_students(1, server.url, photo, args, f"n{n}-warmup"))[0]
        # One student alone on the warm server: browser CPU per step, and each run kind's server
        # time without anyone else (the baseline the loaded numbers are compared with).
        solo_log = len(server.log_text())
        solo = asyncio.run(run_students(1, server.url, photo, args, f"n{n}-solo", server.proc.pid))[
            0
        ]
        solo_runs = server_runs(server.log_text()[solo_log:])
        time.sleep(args.idle)
        for rnd in range(1, args.rounds + 1):
            before = server.status()
            sampler = Sampler(server)
            sampler.start()
            log_start = len(server.log_text())
            t0, cpu0, load0 = time.perf_counter(), cpu_seconds(server.proc.pid), os.getloadavg()[0]
            browsers = BrowserCpu(server.proc.pid)
            browsers.start()
            results = asyncio.run(run_students(n, server.url, photo, args, f"n{n}-r{rnd}"))
            wall = time.perf_counter() - t0
            server_cpu, load1 = cpu_seconds(server.proc.pid) - cpu0, os.getloadavg()[0]
            browsers.stop()
            sampler.stop()
            peak = (sampler.peak_rss, sampler.peak_threads)
            settle_series = []
            t_closed = time.perf_counter()
            while (elapsed := time.perf_counter() - t_closed) < args.settle:
                time.sleep(min(30, args.settle - elapsed))
                rss, threads = server.status()
                settle_series.append((round(time.perf_counter() - t_closed), round(rss), threads))
            after = server.status()
            trimmed = None
            if args.trim:
                server.proc.send_signal(signal.SIGUSR1)
                time.sleep(3)
                trimmed = server.status()[0]
            log = server.log_text()
            steps = {}
            for name in ROUTES[args.route]:
                values = [r.times[name] for r in results if name in r.times]
                steps[name] = {
                    "n": len(values),
                    "p50": percentile(values, 50),
                    "p95": percentile(values, 95),
                }
            rows.append(
                {
                    "sessions": n,
                    "round": rnd,
                    "wall_s": wall,
                    "server_cpu_s": server_cpu,
                    "browser_cpu_s": browsers.last,
                    "loadavg_1min": [load0, load1],
                    "route": ROUTES[args.route],
                    "completed": sum(1 for r in results if len(r.times) == len(ROUTES[args.route])),
                    "errors": [e for r in results for e in r.errors],
                    "warmup_errors": warm.errors if rnd == 1 else [],
                    "app_error_messages": sorted({e for r in results for e in r.app_errors}),
                    "steps": steps,
                    "server_runs": server_runs(log[log_start:]),
                    "solo": {
                        "errors": solo.errors,
                        "steps_s": solo.times,
                        "browser_cpu_s": solo.cpu,
                        "server_runs": solo_runs,
                    },
                    "rss_mb": {
                        "cold": cold[0],
                        "before": before[0],
                        "peak": peak[0],
                        "after": after[0],
                        "after_trim": trimmed,
                    },
                    "threads": {
                        "cold": cold[1],
                        "before": before[1],
                        "peak": peak[1],
                        "after": after[1],
                    },
                    "settle_series": settle_series,
                    "model_loads": len(re.findall(args.model_load_pattern, log, re.M)),
                    "mobilenet_v2_built": len(re.findall(f"^{BUILD_MARK}", log, re.M)),
                    "server_tracebacks": log.count("Traceback (most recent call last)"),
                    "server_log": str(server.log_path),
                }
            )
    finally:
        server.stop()
    return rows


def server_runs(log: str) -> dict[str, dict]:
    """Per run kind ("page:what", see :func:`_time_script_runs`): count, p50, p95, max seconds."""
    runs: dict[str, list[float]] = {}
    for kind, seconds in re.findall(f"^{RUN_MARK} (\\S+) ([0-9.]+)$", log, re.M):
        runs.setdefault(kind, []).append(float(seconds))
    return {
        kind: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "max": max(v)}
        for kind, v in sorted(runs.items())
    }


def seed_question(data_dir: Path) -> tuple[str, str]:
    """A class with a live question in a fresh store under ``data_dir`` (as a teacher who pressed
    *Start a class* and *Ask* leaves it): (the student link the Class page's QR code gives, the
    correct answer as a student types it)."""
    sys.path.insert(0, str(ROOT))
    from mobilenet_viz.analytic.costs import ConvConfig
    from mobilenet_viz.classroom import class_questions, class_store

    data_dir.mkdir(parents=True, exist_ok=True)
    store = class_store.ClassStore(data_dir / class_store.DB_NAME)
    code = store.create_class()
    q = class_questions.layer_question("pointwise_macs", ConvConfig(14, 512, 512, 3, 1))
    store.start_question(code, q.to_dict())
    return f"/class_questions?code={code}", class_questions.format_number(q.value)


def fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def _label(row: dict) -> str:
    return f"{row['sessions']}" + (f" (round {row['round']})" if row.get("round", 1) > 1 else "")


def markdown(rows: list[dict], settle: int) -> str:
    steps = [s for s in STEPS if any(s in r["steps"] and r["steps"][s]["n"] for r in rows)]
    steps.sort(key=lambda s: min(r["route"].index(s) for r in rows if s in r["route"]))
    lines = [
        "In the browsers, from the action to the end of the run as the page shows it:",
        "",
        "| N | " + " | ".join(f"{s} p50 / p95 (s)" for s in steps) + " |",
        "|---:|" + "---:|" * len(steps),
    ]
    for r in rows:
        cells = [f"{fmt(r['steps'][s]['p50'])} / {fmt(r['steps'][s]['p95'])}" for s in steps]
        lines.append(f"| {_label(r)} | " + " | ".join(cells) + " |")
    kinds = sorted({name for r in rows for name in r.get("server_runs", {})})
    if kinds:
        lines += [
            "",
            "Server-side script runs per kind (page:what started the run; wall time on the server, "
            "queueing included, browser excluded), n · p50 / p95 (s); 'alone': one student on the "
            "warm server before the class:",
            "",
            "| run kind | alone p50 | " + " | ".join(f"N = {_label(r)}" for r in rows) + " |",
            "|---|---:|" + "---:|" * len(rows),
        ]
        for name in kinds:
            alone = rows[0].get("solo", {}).get("server_runs", {}).get(name)
            cells = []
            for r in rows:
                v = r.get("server_runs", {}).get(name)
                cells.append(f"{v['n']} · {fmt(v['p50'])} / {fmt(v['p95'])}" if v else "–")
            lines.append(
                f"| {name} | {fmt(alone['p50']) if alone else '–'} | " + " | ".join(cells) + " |"
            )
    solo = rows[0].get("solo") if rows else None
    if solo and solo["browser_cpu_s"]:
        cpu = solo["browser_cpu_s"]
        lines += [
            "",
            "One student alone: Chromium CPU seconds per step (all its processes), and the step's "
            "time:",
            "",
            "| " + " | ".join(cpu) + " | route |",
            "|" + "---:|" * (len(cpu) + 1),
            "| "
            + " | ".join(f"{v:.1f} s CPU · {solo['steps_s'][k]:.1f} s" for k, v in cpu.items())
            + f" | {sum(cpu.values()):.1f} s CPU |",
        ]
    lines += [
        "",
        f"| N | completed | errors | RSS MB before / peak / +{settle}s after close | threads before / peak / after | model loads | wall (s) | CPU s: server / browsers (per student) | load avg |",
        "|---:|---:|---:|---|---|---:|---:|---|---|",
    ]
    for r in rows:
        m, t = r["rss_mb"], r["threads"]
        lines.append(
            f"| {_label(r)} | {r['completed']}/{r['sessions']} | {len(r['errors'])} | "
            f"{m['before']:.0f} / {m['peak']:.0f} / {m['after']:.0f} ({m['after'] - m['before']:+.0f}) | "
            f"{t['before']} / {t['peak']} / {t['after']} | {r['model_loads']} | {r['wall_s']:.0f} | "
            f"{r['server_cpu_s']:.0f} / {r['browser_cpu_s']:.0f} ({r['browser_cpu_s'] / r['sessions']:.1f}) | "
            f"{r['loadavg_1min'][0]:.1f} → {r['loadavg_1min'][1]:.1f} |"
        )
    return "\n".join(lines)


LOAD_MARK = "CLASSROOM_LOAD model load"
RUN_MARK = "CLASSROOM_LOAD run"
BUILD_MARK = "CLASSROOM_LOAD mobilenet_v2 built"
TRIM_MARK = "CLASSROOM_LOAD malloc_trim"


def _widget_key(widget_id: str) -> str:
    """The user key in a Streamlit widget id ("$$ID-<hash>-cls_uploads" -> "cls_uploads")."""
    return widget_id.split("-", 2)[2] if widget_id.startswith("$$ID-") else widget_id


def run_kind(opened: bool, rerun_data, changed: list[str]) -> str:
    """What started a script run: "open" (a new session or another page), "poll" (a fragment's
    run_every timer), "fragment" (a widget inside a fragment), the keys of the widgets whose value
    changed ("cls_uploads", "sep_kernel"), or "rerun" (st.rerun, a session reconnecting)."""
    if opened:
        return "open"
    if rerun_data.fragment_id_queue:
        return "poll" if rerun_data.is_auto_rerun else "fragment"
    keys = sorted({_widget_key(w) for w in changed})
    submitted = [
        k.split(":", 1)[1].split("-", 1)[0] for k in keys if k.startswith("FormSubmitter:")
    ]
    if submitted:  # a form's button: its fields changed with it
        return "submit:" + submitted[0]
    return "+".join(keys) or "rerun"


def _time_script_runs() -> None:
    """Log every script run's page, kind (:func:`run_kind`) and wall time on the server (queueing
    for the inference slot and the GIL included; rendering in the browser and the network
    excluded), so the report can tell the server's latency from the latency the students'
    browsers add on shared cores, and a Classify upload from opening the page."""
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    from streamlit.runtime.state.session_state import SessionState

    original = script_runner.ScriptRunner._run_script
    original_callbacks = SessionState._call_callbacks
    this_run = threading.local()  # the widgets the browser changed, seen where Streamlit sees them
    pages: dict[str, str] = {}  # session id -> the page hash of its last run

    def callbacks(self, *a, **k):
        # runs in the script thread at the start of a run, right after the browser's widget
        # values were applied: the same test Streamlit uses to decide which callbacks to call
        this_run.changed = [w for w in self._new_widget_state if self._widget_changed(w)]
        return original_callbacks(self, *a, **k)

    def timed(self, rerun_data):
        this_run.changed = []
        start = time.perf_counter()
        try:
            return original(self, rerun_data)
        finally:
            seconds = time.perf_counter() - start
            page, kind = "?", "?"
            ctx = get_script_run_ctx()
            if ctx is not None:
                info = ctx.pages_manager.get_pages().get(ctx.page_script_hash) or {}
                page = (info.get("url_pathname") or "home").replace(" ", "_")
                opened = pages.get(ctx.session_id) != ctx.page_script_hash
                pages[ctx.session_id] = ctx.page_script_hash
                kind = run_kind(opened, rerun_data, getattr(this_run, "changed", []))
            print(f"{RUN_MARK} {page}:{kind.replace(' ', '_')} {seconds:.4f}", flush=True)

    SessionState._call_callbacks = callbacks
    script_runner.ScriptRunner._run_script = timed


def serve(streamlit_args: list[str]) -> None:
    """`streamlit <args>` in this process, printing one log line per model load and per torchvision
    mobilenet_v2 construction, so the run can count them (the app itself is not changed)."""
    sys.path.insert(0, os.getcwd())  # the served checkout (--app-root), not necessarily this one
    import torchvision.models

    try:
        import mobilenet_viz.runtime.weights as weights
    except ModuleNotFoundError:  # a checkout from before the library's runtime/ package
        import mobilenet_viz.weights as weights

    def counted(fn, mark):
        def wrapper(*a, **k):
            print(mark, flush=True)
            return fn(*a, **k)

        return wrapper

    def trim(signum, frame):
        """SIGUSR1: give freed heap back to the OS. If RSS then drops, the memory an idle server
        still holds was free (allocator high-water mark), not live objects (a leak)."""
        import ctypes

        before = proc_status(os.getpid())[0]
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        print(f"{TRIM_MARK} {before:.0f} -> {proc_status(os.getpid())[0]:.0f} MB", flush=True)

    signal.signal(signal.SIGUSR1, trim)
    _time_script_runs()
    torchvision.models.mobilenet_v2 = counted(torchvision.models.mobilenet_v2, BUILD_MARK)
    weights.load_mobilenet_v2 = counted(weights.load_mobilenet_v2, LOAD_MARK)
    from streamlit.web import cli

    sys.argv = ["streamlit", *streamlit_args]
    sys.exit(cli.main())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[5, 10, 20, 30])
    ap.add_argument(
        "--settle",
        type=int,
        default=150,
        help="seconds to wait after the sessions close before the last RSS reading",
    )
    ap.add_argument(
        "--idle", type=float, default=5, help="seconds between the warm-up and the 'before' reading"
    )
    ap.add_argument(
        "--ramp", type=float, default=10.0, help="sessions start spread over this many seconds"
    )
    ap.add_argument("--step-timeout", type=float, default=120)
    ap.add_argument("--session-timeout", type=float, default=600)
    ap.add_argument(
        "--photo",
        type=Path,
        default=ROOT / "assets" / "samples" / "coffee.jpg",
        help="uploaded on the Classify page (not the page's pre-selected sample)",
    )
    ap.add_argument(
        "--slider-label", default="Kernel", help="label text of the separable page's slider to move"
    )
    ap.add_argument(
        "--result-pattern",
        default=r"{name}\W.*\d+(\.\d+)?\s*%",
        help="regex the Classify page shows once the photo is classified ({name}: the file name)",
    )
    ap.add_argument(
        "--model-load-pattern",
        default=f"^{LOAD_MARK}",
        help="regex for one server-log line per model load",
    )
    ap.add_argument(
        "--route",
        choices=sorted(ROUTES),
        default="class",
        help="class: join by the QR link, slider, two pages, a Classify upload, answer the class "
        "question; tour: home first, no class question (the route measured before)",
    )
    ap.add_argument(
        "--viewport",
        type=lambda v: tuple(int(x) for x in v.lower().split("x")),
        default=(1280, 800),
        metavar="WxH",
        help="the students' window (390x844 for a phone)",
    )
    ap.add_argument(
        "--app-root",
        type=Path,
        default=ROOT,
        help="the checkout whose app.py is served (e.g. a `git worktree` of an older commit, to "
        "measure before and after with the same benchmark)",
    )
    ap.add_argument(
        "--same-photo",
        action="store_true",
        help="every student uploads the same bytes (by default each uploads the photo with one "
        "pixel changed: their own file)",
    )
    ap.add_argument("--shots", type=Path, help="save a screenshot of every failed step here")
    ap.add_argument(
        "--weights",
        type=Path,
        help="MobileNetV2 state_dict for the server (sets MOBILENET_VIZ_WEIGHTS)",
    )
    ap.add_argument(
        "--ttl", type=int, help="server.disconnectedSessionTTL (default: Streamlit's, 120 s)"
    )
    ap.add_argument(
        "--trim",
        action="store_true",
        help="after the last reading, ask the server to malloc_trim and read RSS again (leak or allocator?)",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="classes per server (a per-session leak grows per round)",
    )
    ap.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server, e.g. MALLOC_ARENA_MAX=2 (repeatable)",
    )
    ap.add_argument(
        "--chromium", default=os.environ.get("MOBILENET_VIZ_CHROMIUM", "/usr/bin/chromium")
    )
    ap.add_argument(
        "--browsers-idle",
        action="store_true",
        help="run Chromium under SCHED_IDLE (chrt --idle): in a classroom the browsers run on the "
        "students' laptops, so this gives the server the CPU it would have on its own machine; "
        "the browser-side latencies then grow instead",
    )
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    args = ap.parse_args(argv)
    if any(n < 1 or n > MAX_SESSIONS for n in args.sessions):
        ap.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if not args.photo.is_file():
        ap.error(f"no photo at {args.photo}")
    env = {"MOBILENET_VIZ_OFFLINE": "1"}
    if args.weights:
        env["MOBILENET_VIZ_WEIGHTS"] = str(args.weights.resolve())
    for item in args.server_env:
        name, sep, value = item.partition("=")
        if not sep:
            ap.error(f"--server-env wants NAME=VALUE, got {item!r}")
        env[name] = value
    log_dir = Path(tempfile.mkdtemp(prefix="classroom-load-"))
    args.chromium_launcher = args.chromium
    if args.browsers_idle:
        # SCHED_IDLE is inherited by every Chromium process and thread. A nice value is not enough:
        # Chromium sets its own (measured: browser and GPU process at -8, renderers at 0 and 5).
        launcher = log_dir / "chromium-idle.sh"
        launcher.write_text(f'#!/bin/sh\nexec chrt --idle 0 "{args.chromium}" "$@"\n')
        launcher.chmod(0o755)
        args.chromium_launcher = str(launcher)
    args.shots = args.shots or log_dir / "failures"
    args.photo_dir = log_dir / "photos"
    print(
        f"# classroom load: {os.cpu_count()} CPUs, photo {args.photo.name}, logs in {log_dir}",
        file=sys.stderr,
    )

    rows = []
    for n in args.sessions:
        print(f"## N = {n} ...", file=sys.stderr, flush=True)
        for row in classroom(n, args, args.photo, env, log_dir):
            rows.append(row)
            print(
                json.dumps(
                    {
                        k: row[k]
                        for k in (
                            "sessions",
                            "round",
                            "completed",
                            "rss_mb",
                            "threads",
                            "model_loads",
                            "server_cpu_s",
                            "browser_cpu_s",
                            "settle_series",
                        )
                    }
                ),
                file=sys.stderr,
            )
            for e in row["errors"][:10] + row["warmup_errors"]:
                print(f"   error: {e}", file=sys.stderr)
        if args.json:  # after every N, so an interrupted run keeps what it measured
            args.json.write_text(json.dumps(rows, indent=2))
        print(markdown(rows, args.settle), file=sys.stderr, flush=True)
    print(markdown(rows, args.settle))
    messages = sorted({m for r in rows for m in r["app_error_messages"]})
    if messages:
        print("\nst.error messages seen:\n" + "\n".join(f"- {m}" for m in messages[:20]))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0 if all(not r["errors"] for r in rows) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2:])
    sys.exit(main())
