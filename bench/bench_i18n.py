"""Benchmark of the languages: catalog loading and the language switch in a real Chromium.

Prints:
- the one-time cost of reading all gettext catalogs (cold, once per process) and the cost of a
  warm ``t()`` call, times the number of ``t()`` calls one overview rerun makes (AppTest);
- the overview rerun time with warm catalogs;
- the time from choosing another language in the sidebar until the page title and the map are
  redrawn in that language (median and max). Target: <= 1 s.

Run: ``.venv/bin/python bench/bench_i18n.py [--repeats 6]``
"""

from __future__ import annotations

import argparse
import os
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
ORDER = ["sq", "sr-Cyrl", "bs", "mk", "hr", "sr-Latn", "en"]


def _catalogs() -> None:
    import indicators.i18n as i18n
    from indicators.i18n.catalogs import messages, reload

    reload()
    t0 = time.perf_counter()
    for lang in i18n.available_languages():
        messages(lang)
    cold = time.perf_counter() - t0
    n = 100_000
    t0 = time.perf_counter()
    for _ in range(n):
        i18n.t("label.top_n", lang="sr-Cyrl", n=20)
    warm = (time.perf_counter() - t0) / n
    print(f"catalogs: {len(i18n.available_languages())} loaded in {cold * 1000:.0f} ms "
          f"(once per process); warm t() with a placeholder: {warm * 1e6:.1f} µs")
    return warm


def _rerun(db: Path, warm: float) -> None:
    from streamlit.testing.v1 import AppTest

    import indicators.i18n as i18n

    os.environ["RISK_WAREHOUSE"] = str(db)
    calls = 0
    original = i18n.t

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.query_params["lang"] = "sr-Cyrl"
    at.switch_page("pages/overview.py")
    at.run()  # warm: scoring, caches, catalogs
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    for module in list(sys.modules.values()):  # count t() calls in one rerun
        if getattr(module, "t", None) is original and module.__name__ != "indicators.i18n":
            module.t = counting
    at.run()
    for module in list(sys.modules.values()):
        if getattr(module, "t", None) is counting:
            module.t = original
    print(f"overview rerun (sr-Cyrl, warm): median {statistics.median(times):.2f} s; "
          f"{calls} t() calls = {calls * warm * 1000:.2f} ms of it "
          "(catalogs are not read again: loaded once per process)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _switch(db: Path, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    from indicators.i18n import LANGUAGES, t
    from tests.conftest import CHROMIUM

    port = _free_port()
    env = {**os.environ, "RISK_WAREHOUSE": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        times: list[float] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + "/?lang=en", wait_until="networkidle")
            page.wait_for_selector("h1:has-text('Overview map')", timeout=120_000)
            page.wait_for_selector(".js-plotly-plot", timeout=120_000)
            first: list[float] = []
            langs = ORDER + (ORDER * (repeats // len(ORDER) + 1))[:repeats]
            for i, lang in enumerate(langs):
                select = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
                select.click()
                option = page.get_by_role("option", name=LANGUAGES[lang].name)
                title = t("nav.overview", lang=lang)
                map_title = t("measure.composite", lang=lang)
                t0 = time.perf_counter()
                option.click()
                page.wait_for_function(
                    "([h, m]) => { const h1 = document.querySelector('h1');"
                    " const d = document.querySelector('.js-plotly-plot');"
                    " return h1 && h1.textContent.includes(h) && d && d.layout &&"
                    " d.layout.title.text.startsWith(m); }", arg=[title, map_title],
                    timeout=30_000, polling="raf")
                (first if i < len(ORDER) else times).append(time.perf_counter() - t0)
            browser.close()
        print(f"language switch -> page and map redrawn (Chromium), first visit of each language "
              f"(its caches are built): median {statistics.median(first):.2f} s, "
              f"max {max(first):.2f} s")
        print(f"language switch -> page and map redrawn (Chromium, {len(times)} switches between "
              f"visited languages): median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s (target <= 1 s)")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=6)
    args = parser.parse_args()
    from indicators.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        build_demo(db)
        warm = _catalogs()
        _rerun(db, warm)
        _switch(db, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
