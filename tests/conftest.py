"""Shared fixtures: a real demo warehouse file built once per test session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo warehouse (fictional region) in a temporary folder, built by the project code."""
    from indicators.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path)
    return path


#: Debian's Chromium (installed by scripts/setup.sh) and the flags that keep it offline.
CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(c)), None)
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--use-gl=swiftshader", "--enable-unsafe-swiftshader"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(demo_db: Path):
    """The real app (`python -m ui.serve`) on 127.0.0.1 against the demo warehouse."""
    root = Path(__file__).resolve().parents[1]
    port = _free_port()
    env = {**os.environ, "RISK_WAREHOUSE": str(demo_db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start:\n" + proc.stdout.read().decode(errors="replace"))
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_page(page: str, **params: str | list[str]) -> AppTest:
    """Run ``pages/<page>.py`` through dashboard.py (as the app does) with URL ``params``;
    fails on any exception. The warehouse comes from ``$RISK_WAREHOUSE``."""
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard.py"),
                           default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def map_payload(at: AppTest) -> dict:
    """The overview's light-map payload (ids, cls, z, hover rows, title, legend, footer)."""
    import json

    maps = [c for c in at.get("bidi_component") if c.proto.component_name == "risk_light_map"]
    assert maps, "no light map on the page"
    return json.loads(maps[0].proto.json)


def html_tables(at: AppTest) -> list:
    """The light tables (``ui.components.table_html`` in ``st.html``) of a run, as DataFrames of
    the shown text (headers as shown)."""
    from html.parser import HTMLParser

    import pandas as pd

    class _Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tables: list[tuple[list[str], list[list[str]]]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "table":
                self.tables.append(([], []))
            elif tag == "tr" and self.tables:
                self.tables[-1][1].append([])
            elif tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.cell is not None and self.tables:
                text = "".join(self.cell).strip()
                head, rows = self.tables[-1]
                (head if tag == "th" else rows[-1]).append(text)
                self.cell = None

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

    out = []
    for element in at.get("html"):
        parser = _Parser()
        parser.feed(element.proto.body)
        for head, rows in parser.tables:
            out.append(pd.DataFrame([r for r in rows if r], columns=head))
    return out


#: JS giving the light map's drawn state in a real browser (it lives in a shadow root): units
#: painted, title, legend texts and the tooltip's lines; null until the map is painted.
LIGHT_MAP_JS = """() => {
  const hosts = document.querySelectorAll(
    '[data-testid^="stBidiComponent"], [data-testid^="stBidiComponent"] *');
  for (const h of hosts) {
    const r = h.shadowRoot || h;
    const s = r.querySelector('svg[data-drawn]');
    if (s) return {units: Number(s.dataset.units), title: s.dataset.title,
                   legend: [...r.querySelectorAll('.rm-legend-item')].map(e => e.textContent),
                   tip: [...(r.querySelector('.rm-tip') || {children: []}).children]
                          .map(e => e.textContent),
                   tipShown: (r.querySelector('.rm-tip') || {style: {}}).style.display === 'block'};
  }
  return null;
}"""


def require_export_chromium() -> None:
    """Skip a test module when no Chromium can run exports — except on CI, where
    scripts/setup.sh installs one, so its absence is an error, never a silent skip."""
    from indicators.export import images

    if images.chromium_available():
        return
    if os.environ.get("CI"):
        raise RuntimeError("no Chromium on CI: scripts/setup.sh should have installed it")
    pytest.skip("no Chromium on this machine (install it: apt-get install chromium)",
                allow_module_level=True)


#: The shared data mirror beside the repository (CI has it; tests that need it skip without).
MIRROR_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def real_pack(tmp_path_factory: pytest.TempPathFactory):
    """The default real-region build (``build --pack western-balkans --mirror DIR``, no other
    option), once per test session: (warehouse path, build summary)."""
    if not MIRROR_DIR.is_dir():
        pytest.skip(f"the shared data mirror {MIRROR_DIR} is absent")
    from indicators.sources.pack import PackOptions, build_pack

    tmp = tmp_path_factory.mktemp("real_pack")
    db = tmp / "wb.duckdb"
    summary = build_pack(db, options=PackOptions(mirror=MIRROR_DIR, cache_dir=tmp / "cache",
                                                 progress=False))
    return db, summary


#: The mirror of real open data (shared/data); tests that need it skip when it is absent.
MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def bih1991_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bih-1991 validation case built from the mirror (skips without the mirror)."""
    if not (MIRROR / "bih_voting_tdballesteros").is_dir():
        pytest.skip(f"mirror {MIRROR}/bih_voting_tdballesteros absent")
    from indicators.sources.packs.bih_1991_build import build_bih_1991

    path = tmp_path_factory.mktemp("bih1991") / "bih-1991.duckdb"
    build_bih_1991(path, MIRROR)
    return path


#: Title of the editor-only dataset planted by ``demo_db_private`` (must never reach the public).
PRIVATE_SOURCE_TITLE = "SECRET-NGO-LOG editor-only dataset"


@pytest.fixture(scope="session")
def demo_db_private(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo warehouse with an editor-only dataset (``secret_log``) imported through
    the real import path: large 2025 incident counts for QZA-001..QZA-003 (outreach tests)."""
    import duckdb

    from indicators.ingest import import_file
    from indicators.ingest.editor import register_dataset
    from indicators.sources import Source

    folder = tmp_path_factory.mktemp("demo_private")
    path = folder / "private.duckdb"
    shutil.copy(demo_db, path)
    register_dataset(path, Source(id="secret_log", title=PRIVATE_SOURCE_TITLE, publisher="SECRET-NGO",
                                  licence="editors only", visibility="editors"))
    con = duckdb.connect(str(path), read_only=True)
    names = con.execute("SELECT name FROM units WHERE unit_id IN ('QZA-001', 'QZA-002', 'QZA-003') "
                        "ORDER BY unit_id").fetchall()
    con.close()
    lines = ["unit_name,country,indicator,period,value"]
    for (name,) in names:
        for code in ("hate_speech_incidents", "glorification_incidents", "genocide_denial_statements",
                     "religious_site_attacks", "discriminatory_acts"):
            lines.append(f"{name},QZA,{code},2025,900")
    csv = folder / "secret.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(path, csv, source="secret_log", imported_by="test")
    assert report.ok, report.to_text()
    return path


def write_tricky(path: Path) -> None:
    """The tiny scoring panel plus what a real warehouse holds: names that need CSV quoting, a
    country-level indicator, observations that cannot be used (unknown indicator, unknown unit,
    NaN value, log1p of <= -1), a unit without population, a cited source."""
    import duckdb

    from indicators.scoring.testing import write_tiny

    write_tiny(
        path,
        units=[("u4", 'Ulica "Nova", Gornja', "BBB", None)],
        indicators=[{"code": "gov", "title": "Governance", "risk_factor": 3, "direction": -1,
                     "level": "country", "max_age": 2}],
        observations=[("AAA", "gov", 2018, 0.5), ("BBB", "gov", 2020, -0.4),
                      ("u4", "events", 2020, 5.0), ("u4", "civic", 2021, 1.0),
                      ("u1", "no_such_indicator", 2020, 1.0), ("zz9", "civic", 2020, 2.0),
                      ("u3", "deaths", 2019, -3.0)],
    )
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO observations (unit_id, indicator, period, value) "
                "VALUES ('u2', 'civic', 2019, 'NaN'::DOUBLE)")
    con.execute("INSERT INTO sources (id, title, publisher, licence, url) VALUES "
                "('s1', 'Test source, v2', 'Tester', 'CC BY 4.0', 'https://example.org')")
    con.execute("UPDATE observations SET source = 's1' WHERE indicator = 'civic'")
    con.close()
