"""Every page in every language (AppTest, real demo warehouse): no exception, the language comes
from ``?lang=``, and no sentence of the English catalog appears untranslated; two sessions in two
languages at the same time do not leak into each other."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from indicators.i18n import LANGUAGES, t
from indicators.i18n.catalogs import messages
from indicators.i18n.formatting import separators
from indicators.i18n.translit import has_cyrillic
from tests.conftest import map_payload
from tests.test_editor import HASH, PASSWORD

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "trends", "profile", "framework", "methodology", "validation", "data"]
LANGS = [code for code in LANGUAGES if code != "en"]
TITLES = {"overview": "nav.overview", "trends": "nav.trends", "profile": "nav.profile",
          "framework": "nav.indicators", "methodology": "nav.methodology",
          "validation": "nav.validation", "data": "nav.data"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|\*\*|\*|`[^`]*`|\[|\]\([^)]*\)")


@pytest.fixture(autouse=True)
def _warehouse(demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RISK_WAREHOUSE", str(demo_db))


def _english_sentences(lang: str) -> dict[str, str]:
    """Fragments (between placeholders) of English messages with at least four words that the
    ``lang`` translation does not itself contain (names, codes and numbers are not sentences)."""
    out: dict[str, str] = {}
    for key, text in messages("en").singular.items():
        theirs = t(key, lang=lang)
        for part in _PLACEHOLDER.split(text):
            part = part.strip(" .,:;—–-()'\"\n")
            if len(re.findall(r"[A-Za-z]{2,}", part)) >= 4 and part not in theirs:
                out[part] = key
    return out


def _texts(at: AppTest) -> str:
    """Every string the page sends to the browser: elements, widgets, chart specs."""
    found: list[str] = []

    def strings(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                strings(v)
        elif isinstance(value, list):
            for v in value:
                strings(v)
        elif isinstance(value, str):
            if value[:1] in "{[":
                try:
                    strings(json.loads(value))
                    return
                except ValueError:
                    pass
            found.append(value)

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            strings(MessageToDict(proto))
        children = getattr(node, "children", None) or {}
        for child in children.values() if isinstance(children, dict) else children:
            walk(child)

    walk(at._tree)
    return "\n".join(found)


def _app(lang: str, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    if page == "data":  # the Data page exists for signed-in editors only
        at.secrets["editor"] = {"password_hash": HASH}
        at.run()
        at.text_input(key="editor_name_input").input("Ana")
        at.text_input(key="editor_pw").input(PASSWORD)
        at.get("form_submit_button")[0].click()
        at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_translated(page: str, lang: str):
    at = _app(lang, page)
    text = _texts(at)
    assert at.title[0].value == t(TITLES[page], lang=lang)  # the page is in the language
    leftovers = {s: k for s, k in _english_sentences(lang).items() if s in text}
    assert not leftovers, f"{page} [{lang}] shows English: {list(leftovers.items())[:5]}"
    if lang in ("sr-Cyrl", "mk"):
        assert has_cyrillic(at.title[0].value)
    if page == "overview":  # the light map's hover rows and legend are in the language
        m = map_payload(at)
        assert separators(lang)[0] == ","  # every non-English locale: decimal comma
        shown = m["rows"][0]
        assert has_cyrillic(shown[0]) == (lang in ("sr-Cyrl", "mk")), shown
        assert re.search(r"^\d+,\d$", shown[2]) or shown[2] == t("class.insufficient", lang=lang)
        assert m["legend"]["items"][0][1] == t("class.insufficient", lang=lang)
        assert m["ui"]["zoom_in"] == t("map.zoom_in", lang=lang)


def test_english_default_and_lang_kept_in_url():
    at = _app("en", "overview")
    assert at.title[0].value == "Overview map"
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.switch_page("pages/overview.py")
    at.run()  # no ?lang= and no browser locale in AppTest: English
    assert at.title[0].value == "Overview map"
    assert at.query_params["lang"] in (["en"], "en")


def test_selector_switches_language_and_url():
    at = _app("bs", "overview")
    select = next(s for s in at.sidebar.selectbox if s.value == "bs")
    assert list(select.options) == [
        "English", "Bosanski", "Hrvatski", "Srpski", "Српски", "Македонски", "Shqip"]
    select.set_value("sr-Cyrl").run()
    assert not at.exception
    assert at.title[0].value == t("nav.overview", lang="sr-Cyrl")
    assert at.query_params["lang"] in (["sr-Cyrl"], "sr-Cyrl")


@pytest.fixture
def _shared_mock_runtime(monkeypatch: pytest.MonkeyPatch):
    """AppTest installs its mock ``Runtime`` as a process-wide singleton and resets it to None
    when a run ends, so with two AppTests in two threads one session's end leaves the other
    without a runtime (``Runtime hasn't been created!`` from any v2 component). A real server
    has one Runtime for all sessions; here the last mock installed stays visible until the
    test ends, which is what a real server gives every session."""
    from streamlit.runtime import Runtime

    seen: list[object] = []
    lock = threading.Lock()

    def current(cls):  # noqa: ANN001, ANN202
        with lock:
            if cls._instance is not None:
                seen[:] = [cls._instance]
            return seen[0] if seen else None

    def instance(cls):  # noqa: ANN001, ANN202
        rt = current(cls)
        if rt is None:
            raise RuntimeError("Runtime hasn't been created!")
        return rt

    monkeypatch.setattr(Runtime, "instance", classmethod(instance))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: current(cls) is not None))


@pytest.mark.usefixtures("_shared_mock_runtime")
def test_two_sessions_two_languages_do_not_leak():
    """Two AppTest sessions run at the same time in two threads, each in its own language."""
    results: dict[str, tuple[str, str]] = {}
    errors: list[BaseException] = []

    def run(lang: str) -> None:
        try:
            for _ in range(2):
                at = _app(lang, "overview")
                value = next(r[2] for r in map_payload(at)["rows"] if r[2][0].isdigit())
                results[lang] = (at.title[0].value, re.sub(r"\d", "", value))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(lang,)) for lang in ("sr-Cyrl", "en")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert results["sr-Cyrl"] == (t("nav.overview", lang="sr-Cyrl"), ",")  # decimal comma
    assert results["en"] == ("Overview map", ".")
