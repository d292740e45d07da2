"""Load benchmark: N concurrent headless-Chromium sessions against the dashboard (issue 15).

Starts ``python -m ui.serve`` on a given warehouse (127.0.0.1 only), opens N sessions at once
(one browser each, Debian's Chromium through Playwright), each loading the overview until the
map is drawn, then changing the period filter K times (the sidebar slider, one step each; the
sessions step together, so the phases do not overlap). Bounded: every wait has a timeout and
the whole run a cap (``--cap``, seconds); it stops by itself, and reports what the sessions did
until then. Waits look at the page every 100 ms (:data:`POLL_MS`), not on every frame.

Reports:
- time to map (first map fully drawn) and filter-change latency, p50 and p95;
- server CPU-seconds per first view and per filter change (``/proc`` of the server process);
- browser CPU-seconds per session (all Chromium processes of the run / N);
- bytes the server sent per first view and per filter change (websocket frames received);
- peak server RSS (sampled every 0.2 s);
- errors: page exceptions, console errors, Streamlit exception boxes, failed waits.

Run: ``.venv/bin/python bench/bench_load.py --db WAREHOUSE [-n 1 10 20] [-k 3] [--cap 420]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
DEBUG = bool(os.environ.get("BENCH_DEBUG"))


def _log(*parts: object) -> None:
    if DEBUG:
        print(f"[{time.strftime('%H:%M:%S')}]", *parts, flush=True)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--use-gl=swiftshader", "--enable-unsafe-swiftshader"]
#: A signature of the drawn map: number of units and title (the title holds the period). The
#: light map (ui/light_map.js) is an SVG in the component's shadow root, marked once painted.
SIGNATURE_JS = ("() => { const hosts = document.querySelectorAll("
                "'[data-testid^=\"stBidiComponent\"], [data-testid^=\"stBidiComponent\"] *');"
                " for (const h of hosts) { const r = h.shadowRoot || h;"
                " const s = r.querySelector('svg[data-drawn]');"
                " if (s) return s.dataset.units + '|' + s.dataset.title; } return null; }")


#: How often a wait looks at the page (ms). Not on every animation frame: rAF polling makes the
#: page render 60 frames a second while it waits, which costs the browser more CPU than the page
#: itself under load (a reader's browser does not poll). Latencies are known to within 0.1 s.
POLL_MS = 100


@dataclass
class Session:
    """What one browser session measured."""

    time_to_map: float | None = None
    changes: list[float] = field(default_factory=list)
    bytes_first: int = 0
    bytes_changes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _bytes: int = 0


def tree_cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def wait_idle(proc: psutil.Process, quiet: float = 1.0, cap: float = 60.0) -> None:
    """Return once the process used < 5 % of a core for ``quiet`` seconds (or after ``cap``)."""
    deadline = time.time() + cap
    last = tree_cpu(proc)
    while time.time() < deadline:
        time.sleep(quiet)
        now = tree_cpu(proc)
        if now - last < 0.05 * quiet:
            return
        last = now


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def _browser_cpu(seen: dict[int, float]) -> None:
    """Record the CPU time of every Chromium process of this run (pid -> latest CPU-s); called
    often, so processes that exit are counted up to their last sample. A process's
    ``children_*`` times are left out: they hold the CPU of its exited children (renderers,
    GPU process), which are sampled themselves — counting both doubled the browser's CPU."""
    for p in psutil.Process().children(recursive=True):
        try:
            if "chrom" in p.name().lower():
                t = p.cpu_times()
                seen[p.pid] = t.user + t.system  # not children_*: they are sampled themselves
        except psutil.NoSuchProcess:
            pass


def _wait_browsers_gone(cap: float = 15.0) -> None:
    """Wait until no Chromium process of this run is left (so none is counted twice)."""
    deadline = time.time() + cap
    while time.time() < deadline:
        names = []
        for p in psutil.Process().children(recursive=True):
            try:
                names.append(p.name().lower())
            except psutil.NoSuchProcess:
                pass
        if not any("chrom" in n for n in names):
            return
        time.sleep(0.2)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def start_server(db: Path, port: int) -> subprocess.Popen:
    """The dashboard on 127.0.0.1:port against ``db``; returns once it answers /health."""
    env = {**os.environ, "RISK_WAREHOUSE": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the dashboard exited with code {proc.returncode} (port {port} taken?)")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the dashboard did not start within 120 s")


async def _one(pw, chromium: str, url: str, k: int, s: Session, gates: list[asyncio.Barrier],
               timeout_ms: int) -> None:
    _log("launching")
    browser = await pw.chromium.launch(executable_path=chromium, args=FLAGS)
    _log("launched")
    try:
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda e: s.errors.append(f"page error: {e}"))
        page.on("console", lambda m: s.errors.append(f"console: {m.text[:200]}")
                if m.type == "error" else None)

        def on_ws(ws):  # noqa: ANN001, ANN202
            ws.on("framereceived", lambda payload: setattr(
                s, "_bytes", s._bytes + len(payload if isinstance(payload, bytes | str) else b"")))
        page.on("websocket", on_ws)
        await gates[0].wait()
        _log("start gate passed")
        t0 = time.perf_counter()
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
            await page.wait_for_function(f"() => ({SIGNATURE_JS})() !== null", timeout=timeout_ms,
                                         polling=POLL_MS)
            s.time_to_map = time.perf_counter() - t0
        except Exception as exc:  # noqa: BLE001 - a failed wait is a reported error
            s.errors.append(f"first view: {type(exc).__name__}: {str(exc)[:120]}")
        await asyncio.sleep(1.0)  # let trailing frames of the first view arrive
        s.bytes_first, s._bytes = s._bytes, 0
        _log("first view", s.time_to_map, s.bytes_first)
        await gates[1].wait()
        for i in range(k):
            before = await page.evaluate(SIGNATURE_JS)
            t1 = time.perf_counter()
            try:
                slider = page.locator("[data-testid='stSidebar'] [data-testid='stSlider'] input[type=range]").first
                await slider.focus(timeout=timeout_ms)
                await slider.press("ArrowLeft")
                await page.wait_for_function(
                    f"() => {{ const s = ({SIGNATURE_JS})(); return s !== null && s !== {json.dumps(before)}; }}",
                    timeout=timeout_ms, polling=POLL_MS)
                s.changes.append(time.perf_counter() - t1)
            except Exception as exc:  # noqa: BLE001
                s.errors.append(f"change {i + 1}: {type(exc).__name__}: {str(exc)[:120]}")
            await asyncio.sleep(0.5)
            s.bytes_changes.append(s._bytes)
            s._bytes = 0
            await gates[2 + i].wait()
        boxes = await page.locator("[data-testid='stException']").count()
        if boxes:
            s.errors.append(f"{boxes} Streamlit exception box(es) on the page")
    finally:
        await browser.close()


async def _run(url: str, n: int, k: int, server: psutil.Process, timeout_ms: int,
               marks: dict[str, float], sessions: list[Session]) -> list[Session]:
    from playwright.async_api import async_playwright

    chromium = next((shutil.which(c) for c in ("chromium", "chromium-browser") if shutil.which(c)),
                    None)
    if chromium is None:
        raise SystemExit("No Chromium: run `make setup` first.")
    sessions[:] = [Session() for _ in range(n)]  # the caller keeps them if the cap is reached

    class Gate(asyncio.Barrier):
        def __init__(self, name: str) -> None:
            super().__init__(n + 1)
            self.name = name

    gates = [Gate("start"), Gate("loaded"), *[Gate(f"change{i}") for i in range(k)]]
    async with async_playwright() as pw:
        tasks = [asyncio.create_task(_one(pw, chromium, url, k, s, gates, timeout_ms))
                 for s in sessions]
        await asyncio.sleep(0)
        for gate in gates:  # a mark when every session has passed the gate: phases apart
            await gate.wait()
            marks[f"{gate.name}_cpu"] = tree_cpu(server)
        marks["end_cpu"] = tree_cpu(server)
        await asyncio.gather(*tasks)
    return sessions


def run(db: Path, n: int, k: int, cap: float, port: int) -> dict[str, float | int | str]:
    """One benchmark run with ``n`` sessions; returns the figures (also printed)."""
    proc = start_server(db, port)
    server = psutil.Process(proc.pid)
    wait_idle(server)  # start-up (incl. the preload of modules) is not a view
    peak = [0]
    stop = threading.Event()
    chromium_cpu: dict[int, float] = {}

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(server))
            _browser_cpu(chromium_cpu)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    url = f"http://127.0.0.1:{port}/"
    cold_marks: dict[str, float] = {}
    try:  # one cold view first (a freshly started server), reported on its own
        cold = asyncio.run(asyncio.wait_for(_run(url, 1, 0, server, 120_000, cold_marks, []),
                                            timeout=cap))[0]
    except TimeoutError:
        cold = Session(errors=["cold view: cap reached"])
    cold_cpu = cold_marks.get("loaded_cpu", float("nan")) - cold_marks.get("start_cpu", float("nan"))
    _wait_browsers_gone()  # the cold view's Chromium processes may outlive browser.close()
    chromium_cpu.clear()
    marks: dict[str, float] = {}
    t0 = time.perf_counter()
    sessions: list[Session] = []
    try:
        asyncio.run(asyncio.wait_for(_run(url, n, k, server, 120_000, marks, sessions),
                                     timeout=cap))
        capped = ""
    except TimeoutError:  # what the sessions did until then is still reported
        capped = f"stopped at the {cap:.0f} s cap"
    finally:
        stop.set()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    wall = time.perf_counter() - t0
    browser_cpu = sum(chromium_cpu.values())  # sampled every 0.2 s while the browsers ran
    first = [s.time_to_map for s in sessions if s.time_to_map is not None]
    changes = [c for s in sessions for c in s.changes]
    load_cpu = marks.get("loaded_cpu", float("nan")) - marks.get("start_cpu", float("nan"))
    change_cpu = marks.get("end_cpu", float("nan")) - marks.get("loaded_cpu", float("nan"))
    out = {
        "sessions": n, "changes_each": k, "wall_s": round(wall, 1),
        "cold_map_s": cold.time_to_map if cold.time_to_map is not None else float("nan"),
        "cold_server_cpu_s": cold_cpu,
        "map_p50_s": _pct(first, 0.5), "map_p95_s": _pct(first, 0.95),
        "change_p50_s": _pct(changes, 0.5), "change_p95_s": _pct(changes, 0.95),
        "maps_drawn": f"{len(first)} of {n}",
        "changes_done": f"{len(changes)} of {n * k}",
        "server_cpu_per_first_view_s": load_cpu / max(n, 1),
        "server_cpu_per_change_s": change_cpu / max(n * k, 1),
        "browser_cpu_per_session_s": browser_cpu / max(n, 1),
        "mb_per_first_view": statistics.mean([s.bytes_first for s in sessions]) / 1e6
        if sessions else float("nan"),
        "mb_per_change": statistics.mean([b for s in sessions for b in s.bytes_changes]) / 1e6
        if changes else float("nan"),
        "peak_server_rss_mb": peak[0] / 1e6,
        "errors": sum(len(s.errors) for s in sessions) + (1 if capped else 0),
        "note": capped or "; ".join(sorted({e for s in [cold, *sessions] for e in s.errors}))[:300],
    }
    return out


def _print(rows: list[dict], label: str) -> None:
    keys = [k for k in rows[0] if k != "note"]
    print(f"\n{label}")
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]) for k in keys))
        if r.get("note"):
            print(f"   note: {r['note']}")


def main() -> None:
    """Parse the options, run each N in turn, print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="warehouse to serve")
    parser.add_argument("-n", type=int, nargs="+", default=[1], help="concurrent sessions")
    parser.add_argument("-k", type=int, default=3, help="filter changes per session")
    parser.add_argument("--cap", type=float, default=420.0, help="seconds per run, at most")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    args = parser.parse_args()
    rows = [run(Path(args.db), n, args.k, args.cap, args.port or _free_port()) for n in args.n]
    _print(rows, f"load benchmark on {args.db}")


if __name__ == "__main__":
    main()
