"""Download buttons in the app (AppTest): present under the charts and tables of the overview,
trends and profile pages, the brief button on the profile page, and an install note instead
of image buttons when there is no Chromium (CSV/XLSX still offered)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.export import images
from tests.conftest import run_page

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _warehouse(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))


def _run(page: str, **params: str) -> AppTest:
    return run_page(page, **params)


def _labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _clear_caches() -> None:
    from ui import downloads

    downloads._chromium_available.clear()


@pytest.mark.parametrize(("page", "charts", "tables"), [
    ("overview", 2, 0),  # map, ranking; alert tables add CSV/XLSX when they have rows
    ("trends", 2, 0),  # trend, change (chart + table)
    ("profile", 3, 2),  # risk factors, composite trend, rank trend; indicators, neighbours
])
def test_download_bars_under_charts_and_tables(page, charts, tables):
    _clear_caches()
    at = _run(page, unit="QZA-004") if page == "profile" else _run(page)
    labels = _labels(at)
    if not images.chromium_available():
        pytest.skip("no Chromium: image buttons are replaced by a note")
    assert labels.count("PNG") == labels.count("SVG") == labels.count("PDF") == charts
    assert labels.count("CSV") == labels.count("XLSX") >= charts + tables
    assert any("Download:" in c.value for c in at.caption)


def test_profile_has_brief_button():
    _clear_caches()
    at = _run("profile", unit="QZA-004")
    buttons = [b for b in at.get("download_button") if b.proto.label == "Brief (PDF)"]
    assert len(buttons) == 1


def test_without_chromium_the_page_says_so_and_keeps_data_downloads(monkeypatch):
    _clear_caches()
    monkeypatch.setattr(images, "find_chromium", lambda: None)
    at = _run("overview")
    labels = _labels(at)
    assert "PNG" not in labels and "SVG" not in labels and "PDF" not in labels
    assert labels.count("CSV") >= 2 and labels.count("XLSX") >= 2
    notes = [c.value for c in at.caption if "Chromium" in c.value]
    assert notes and "apt-get install chromium" in notes[0] and "CSV and XLSX" in notes[0]
    _clear_caches()


def test_brief_button_explains_when_unavailable(monkeypatch):
    _clear_caches()
    monkeypatch.setattr(images, "find_chromium", lambda: None)
    at = _run("profile", unit="QZA-004")
    brief = [b for b in at.get("download_button") if b.proto.label == "Brief (PDF)"]
    assert brief and brief[0].proto.disabled
    assert any("brief is not available" in c.value for c in at.caption)
    _clear_caches()
