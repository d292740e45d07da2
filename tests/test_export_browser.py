"""End-to-end downloads: the real app in headless Chromium; click the deferred SVG and XLSX
buttons under the map and the brief button of a profile, and open the files received."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from tests.conftest import BROWSER_FLAGS as FLAGS
from tests.conftest import CHROMIUM

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def page(app_url):
    if CHROMIUM is None:
        pytest.fail("no Chromium: install it (scripts/setup.sh as root: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        yield pg
        browser.close()


def _download(pg, label: str, tmp_path: Path, timeout_ms: int = 90_000) -> tuple[str, bytes]:
    with pg.expect_download(timeout=timeout_ms) as info:
        pg.get_by_role("button", name=label, exact=True).first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return info.value.suggested_filename, target.read_bytes()


def test_map_downloads_in_the_browser(page, app_url, tmp_path):
    page.goto(app_url + "/")
    page.get_by_role("button", name="SVG", exact=True).first.wait_for(timeout=90_000)
    name, svg = _download(page, "SVG", tmp_path)
    assert name.endswith(".svg")
    root = ET.fromstring(svg)
    paths = [p for p in root.iter("{http://www.w3.org/2000/svg}path")
             if "choroplethlocation" in (p.get("class") or "")]
    assert len(paths) > 100
    name, xlsx = _download(page, "XLSX", tmp_path)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == ["data", "metadata"]
    assert wb["data"].max_row - 1 == len(paths)  # the data of exactly the units drawn


def test_brief_download_in_the_browser(page, app_url, tmp_path):
    page.goto(app_url + "/profile?unit=QZA-004")
    page.get_by_role("button", name="Brief (PDF)", exact=True).wait_for(timeout=90_000)
    name, pdf = _download(page, "Brief (PDF)", tmp_path)
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "method v1" in " ".join(reader.pages[0].extract_text().split())
