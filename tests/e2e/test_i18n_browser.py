"""End-to-end, real headless Chromium: the app opened with ``?lang=sr-Cyrl`` shows Cyrillic in the
sidebar and on the map (legend, hover), then the sidebar selector switches to Albanian and the
URL and the text follow. Screenshots go to tests/artifacts/ (and /tmp/i18n/ when it exists)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indicators.i18n import t
from tests.conftest import BROWSER_FLAGS as FLAGS
from tests.conftest import CHROMIUM, LIGHT_MAP_JS

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CYRILLIC = re.compile(r"[\u0400-\u04FF]")

MAP_JS = LIGHT_MAP_JS  # the light map: units painted, title, legend, tooltip text


@pytest.fixture(scope="module")
def browser(app_url):
    if CHROMIUM is None:
        pytest.fail("No Chromium found: scripts/setup.sh installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    yield context.new_page()
    context.close()


def _shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / name), full_page=False)
    if Path("/tmp/i18n").is_dir():
        pg.screenshot(path=f"/tmp/i18n/{name}", full_page=False)


def _map(pg, title: str) -> dict:
    pg.wait_for_function(f"() => {{ const m = ({MAP_JS})(); return m && m.title.startsWith("
                         f"{title!r}); }}", timeout=60_000)
    return pg.evaluate(MAP_JS)


def test_cyrillic_then_albanian(page, app_url):
    page.goto(app_url + "/?lang=sr-Cyrl", wait_until="networkidle")
    page.wait_for_selector("h1:has-text('" + t("nav.overview", lang="sr-Cyrl") + "')",
                           timeout=60_000)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert len(CYRILLIC.findall(sidebar)) > 30, sidebar[:300]
    select = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
    assert "Српски" in select.inner_text() + str(select.locator("input").first.input_value())

    facts = _map(page, t("measure.composite", lang="sr-Cyrl"))
    assert all(CYRILLIC.search(x) for x in facts["legend"]), facts["legend"]  # legend classes
    page.locator(".rm-units path").nth(40).hover()  # hover a unit: the tooltip is Cyrillic
    page.wait_for_function(f"() => ({MAP_JS})().tipShown", timeout=10_000)
    shown = page.evaluate(MAP_JS)["tip"]
    assert CYRILLIC.search(shown[0]), shown  # the unit's name
    value = shown[2].split(": ", 1)[1]  # the composite: decimal comma
    assert shown[2].startswith(t("measure.composite", lang="sr-Cyrl")), shown
    assert re.fullmatch(r"\d+,\d|" + t("class.insufficient", lang="sr-Cyrl"), value), shown
    _shot(page, "i18n_overview_sr-Cyrl.png")

    select.click()
    page.get_by_role("option", name="Shqip").click()
    page.wait_for_selector("h1:has-text('" + t("nav.overview", lang="sq") + "')",
                           timeout=30_000)
    page.wait_for_function("() => new URL(location.href).searchParams.get('lang') === 'sq'",
                           timeout=30_000)
    facts = _map(page, t("measure.composite", lang="sq"))
    assert not CYRILLIC.search(" ".join(facts["legend"]))
    assert t("class.insufficient", lang="sq") in facts["legend"]
    page.locator(".rm-units path").nth(40).hover()
    page.wait_for_function(f"() => ({MAP_JS})().tipShown", timeout=10_000)
    assert not CYRILLIC.search(page.evaluate(MAP_JS)["tip"][0])  # the name back in Latin
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert not CYRILLIC.search(sidebar), sidebar[100:400]
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert t("howto.read", lang="sq")[:40] in body
    _shot(page, "i18n_overview_sq.png")


def test_browser_language_is_the_default(browser, app_url):
    """Without ?lang=, a browser set to Croatian gets the Croatian app and a URL saying so."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="hr-HR")
    pg = context.new_page()
    pg.goto(app_url + "/", wait_until="networkidle")
    pg.wait_for_selector("h1:has-text('" + t("nav.overview", lang="hr") + "')", timeout=60_000)
    pg.wait_for_function("() => new URL(location.href).searchParams.get('lang') === 'hr'",
                         timeout=30_000)
    context.close()


def test_language_switch_redraws_url_bound_widgets(page, app_url):
    """Trends in units mode: after switching bs -> sr-Cyrl the chosen municipalities stay and
    are shown (and kept in the URL) in the new language."""
    page.goto(app_url + "/trends?lang=bs", wait_until="networkidle")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.get_by_text(t("trends.mode_units", lang="bs")).click()
    chips = page.locator('[data-testid="stMain"] [data-testid="stMultiSelect"]').first
    chips.wait_for(timeout=30_000)
    before = chips.inner_text()
    assert not CYRILLIC.search(before.split("(")[0].split("·")[0])
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="Српски").click()
    page.wait_for_selector("h1:has-text('" + t("nav.trends", lang="sr-Cyrl") + "')",
                           timeout=30_000)
    page.wait_for_function("() => decodeURIComponent(location.search).includes("
                           + repr(t("trends.mode_units", lang="sr-Cyrl")).replace(" ", "+")
                           + ")", timeout=30_000)
    after = page.locator('[data-testid="stMain"] [data-testid="stMultiSelect"]').first.inner_text()
    assert len(after.splitlines()) == len(before.splitlines())  # the same municipalities
    assert CYRILLIC.search(after.split("\n", 2)[-1]), after
