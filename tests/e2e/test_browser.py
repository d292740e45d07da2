"""End-to-end: the real app in a real headless Chromium (Debian's package, driven by Playwright).

Starts `streamlit run dashboard.py` on 127.0.0.1 against a fresh demo warehouse, opens the map,
changes the country filter, checks that the URL and the map changed, opens a profile through a
link and saves screenshots to tests/artifacts/ (looked at by the developers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BROWSER_FLAGS as FLAGS
from tests.conftest import CHROMIUM, LIGHT_MAP_JS

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def page(app_url):
    if CHROMIUM is None:
        pytest.fail("No Chromium found: run `make test` (scripts/setup.sh installs Debian's chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()


COUNT_JS = f"() => {{ const m = ({LIGHT_MAP_JS})(); return m ? m.units : -1; }}"


def _map_locations(pg) -> int:
    """Number of units painted on the light map (read from its SVG)."""
    return pg.evaluate(COUNT_JS)


def _wait_count(pg, condition: str) -> None:
    """Wait until the number of map units ``n`` satisfies ``condition`` (JS, e.g. 'n < 50')."""
    pg.wait_for_function(f"() => {{ const n = ({COUNT_JS})(); return n > 0 && {condition}; }}",
                         timeout=30_000)


def test_map_filter_url_and_profile_link(page, app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []  # the app must work offline and not leak visits to third parties
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
        (app_url, "data:", "blob:", "about:", "ws://127.0.0.1")) else None)
    page.goto(app_url + "/", wait_until="networkidle")
    _wait_count(page, "true")
    assert page.get_by_text("FICTIONAL DEMO DATA").first.is_visible()
    all_units = _map_locations(page)
    assert all_units > 100
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

    # Narrow the country filter to one country: remove the other two chips.
    sidebar = page.locator("[data-testid='stSidebar']")
    remove = sidebar.locator("button[aria-label^='Remove ']")
    while remove.count() > 1:
        remove.first.click()
        page.wait_for_timeout(600)
    _wait_count(page, f"n < {all_units}")
    assert "countries=" in page.url and "(" not in page.url  # codes, not labels
    assert 0 < _map_locations(page) < all_units
    page.screenshot(path=str(ARTIFACTS / "overview_one_country.png"), full_page=True)
    one_country = _map_locations(page)

    # Browser back restores the previous filter (and its map); forward returns.
    page.go_back()
    _wait_count(page, f"n > {one_country}")
    page.go_forward()
    _wait_count(page, f"n == {one_country}")

    # Open a municipality profile through a link in the ranked list.
    link = page.locator("a[href*='profile?unit=']").first
    link.wait_for(timeout=30_000)
    unit_id = link.get_attribute("href").split("unit=")[1].split("&")[0]
    link.click()
    page.wait_for_url("**/profile**", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    assert f"unit={unit_id}" in page.url
    page.wait_for_url("**countries=*", timeout=30_000)  # the filters travel with the user
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "profile.png"), full_page=True)
    assert not outside, outside


def test_map_hover_and_click_open_a_profile(page, app_url):
    """The light map: hovering a unit shows its figures; clicking it opens its profile."""
    page.goto(app_url + "/", wait_until="networkidle")
    _wait_count(page, "true")
    unit = page.locator(".rm-units path").nth(40)  # Playwright's CSS reaches into shadow roots
    unit.hover()
    page.wait_for_function(f"() => ({LIGHT_MAP_JS})().tipShown", timeout=10_000)
    tip = page.evaluate(LIGHT_MAP_JS)["tip"]
    assert tip[1].startswith("Local spelling") and tip[2].startswith("Composite risk score: ")
    assert tip[5].startswith("Rank: ") and tip[-1] == "Click to open the profile", tip
    legend = page.evaluate(LIGHT_MAP_JS)["legend"]
    assert legend[0] == "insufficient data" and "very high" in legend
    page.locator(".rm-btn").first.click()  # zoom in, then reset: the map stays drawn
    page.locator(".rm-btn").nth(2).click()
    unit.click()
    page.wait_for_url("**/profile?**unit=*", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    assert tip[0] in page.locator("[data-testid='stMain']").inner_text()  # the unit's profile
