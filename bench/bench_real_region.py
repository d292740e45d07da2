"""Benchmark of the real region (issue 11): build, map payload, first view, filter change.

Builds ``build --pack western-balkans --mirror DIR`` (no other option), then prints:
- build time (target < 60 s), next to a reference: reading the same boundary files with
  geopandas alone in this process (the machine is shared and noisy, so the ratio matters);
- the plotly JSON of the map of all units (target <= 1 MB);
- server CPU time of the first view of the overview on a freshly started server, read from
  /proc of the server process (target <= 3 s), and wall time until the map is drawn;
- filter change -> new map in headless Chromium (target <= 1 s), median and max.

Run: ``.venv/bin/python bench/bench_real_region.py [--mirror ../shared/data] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_dashboard import FLAGS, _free_port, _payload  # noqa: E402
from bench_load import start_server, tree_cpu, wait_idle  # noqa: E402

COUNT_JS = ("() => { const d = document.querySelector('.js-plotly-plot');"
            " return d && d.data && d.data[0] && d.data[0].locations ? "
            "d.data[0].locations.length : -1; }")


def _reference_read(mirror: Path) -> float:
    """Seconds to read the boundary files of the layer table with geopandas alone."""
    import geopandas as gpd

    from indicators.sources.pack_boundaries import load_layers

    t0 = time.perf_counter()
    for entries in load_layers().values():
        for e in entries:
            path = mirror / e.mirror if e.mirror else None
            if path is not None and path.is_file():
                gpd.read_file(path, engine="pyogrio")
                break
    return time.perf_counter() - t0


def _browser(db: Path, repeats: int) -> tuple[float, float, list[float]]:
    from playwright.sync_api import sync_playwright

    chromium = next((shutil.which(c) for c in ("chromium", "chromium-browser") if shutil.which(c)),
                    None)
    if chromium is None:
        raise SystemExit("No Chromium: run `make setup` first.")
    port = _free_port()
    proc = start_server(db, port)
    url = f"http://127.0.0.1:{port}/"
    server = psutil.Process(proc.pid)
    wait_idle(server)  # the server's start-up (incl. the preload of modules) is not a view
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            cpu0, t0 = tree_cpu(server), time.perf_counter()
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_function(f"() => ({COUNT_JS})() > 0", timeout=180_000)
            first_wall, first_cpu = time.perf_counter() - t0, tree_cpu(server) - cpu0
            times = []
            for _ in range(repeats + 1):  # the first round warms the caches
                page.goto(url, wait_until="networkidle")
                page.wait_for_function(f"() => ({COUNT_JS})() > 0", timeout=120_000)
                before = page.evaluate(COUNT_JS)
                button = page.locator(
                    "[data-testid='stSidebar'] button[aria-label^='Remove ']").first
                t1 = time.perf_counter()
                button.click()
                page.wait_for_function(
                    f"() => {{ const n = ({COUNT_JS})(); return n > 0 && n < {before}; }}",
                    timeout=60_000)
                times.append(time.perf_counter() - t1)
            browser.close()
        return first_wall, first_cpu, times[1:]
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    """Build the real-region warehouse and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--db", help="use this warehouse instead of building one")
    args = parser.parse_args()
    from indicators.sources.pack import PackOptions, build_pack

    mirror = Path(args.mirror)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "wb.duckdb"
        if not args.db:
            ref = _reference_read(mirror)
            t0 = time.perf_counter()
            build_pack(db, options=PackOptions(mirror=mirror, cache_dir=Path(tmp) / "cache",
                                               progress=False))
            took = time.perf_counter() - t0
            print(f"build --pack (mirror):       {took:.1f} s   (target < 60 s; "
                  f"{took / ref:.0f}x a plain geopandas read of the layers, {ref:.2f} s)")
        size, build = _payload(db)
        print(f"map JSON, all units:         {size:.2f} MB   (target <= 1 MB)")
        print(f"map figure build (server):   {build * 1000:.0f} ms")
        first_wall, first_cpu, times = _browser(db, args.repeats)
        print(f"first view, fresh server:    {first_cpu:.2f} CPU-s on the server "
              f"(target <= 3 s), map drawn after {first_wall:.1f} s")
        print(f"filter change -> new map:    median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s over {len(times)} changes   (target <= 1 s)")


if __name__ == "__main__":
    main()
