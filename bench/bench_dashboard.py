"""Benchmark of the dashboard on the demo region, in a real headless Chromium.

Prints: the map payload (plotly JSON of the whole-region map), the server-side time to build
the map figure, and the time from a country-filter change in the browser until the new map
is drawn (median and max over several changes). Targets: map JSON <= 1 MB; redraw <= 1 s.

Run: ``.venv/bin/python bench/bench_dashboard.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--use-gl=swiftshader", "--enable-unsafe-swiftshader"]


def _payload(db: Path) -> tuple[float, float]:
    from indicators.figures.maps import choropleth
    from indicators.measures import measure_values
    from indicators.scoring.engine import score
    from indicators.scoring.panel import load_panel
    from indicators.views import units_geo
    from indicators.warehouse import connect

    con = connect(db, read_only=True)
    gdf = units_geo(con)
    result = score(load_panel(con))
    period = int(result.periods[-1])
    values = measure_values(result, "composite", period)
    t0 = time.perf_counter()
    fig = choropleth(gdf, values, value_col="score", title="bench", period=None)
    build = time.perf_counter() - t0
    size = len(fig.to_json().encode("utf-8")) / 1024 / 1024
    con.close()
    return size, build


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser_redraw(db: Path, repeats: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    chromium = next((shutil.which(c) for c in ("chromium", "chromium-browser") if shutil.which(c)), None)
    if chromium is None:
        raise SystemExit("No Chromium: run `make setup` first.")
    port = _free_port()
    env = {**os.environ, "RISK_WAREHOUSE": str(db)}
    proc = subprocess.Popen([sys.executable, "-m", "ui.serve", "--server.port", str(port),
                             "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        times = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            count = ("() => { const d = document.querySelector('.js-plotly-plot');"
                     " return d && d.data && d.data[0] && d.data[0].locations ? d.data[0].locations.length : -1; }")
            for _ in range(repeats + 1):  # the first round warms the caches
                page.goto(url, wait_until="networkidle")
                page.wait_for_function(f"() => ({count})() > 0", timeout=60_000)
                before = page.evaluate(count)
                button = page.locator("[data-testid='stSidebar'] button[aria-label^='Remove ']").first
                t0 = time.perf_counter()
                button.click()
                page.wait_for_function(f"() => {{ const n = ({count})(); return n > 0 && n < {before}; }}",
                                       timeout=30_000)
                times.append(time.perf_counter() - t0)
            browser.close()
        return times[1:]
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    """Build a demo warehouse, measure payload and browser redraw, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from indicators.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        t0 = time.perf_counter()
        summary = build_demo(db)
        print(f"demo build:                 {time.perf_counter() - t0:.2f} s "
              f"({summary.units} units, {summary.observations} observations)")
        size, build = _payload(db)
        print(f"map JSON, whole region:     {size:.2f} MB   (target <= 1 MB)")
        print(f"map figure build (server):  {build * 1000:.0f} ms")
        times = _browser_redraw(db, args.repeats)
        print(f"filter change -> new map:   median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s over {len(times)} changes   (target <= 1 s)")


if __name__ == "__main__":
    main()
