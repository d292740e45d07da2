"""The gettext catalogs: complete, placeholders intact, compilable, sr-Cyrl in sync, plural
forms, glossary terms; locale formatting (Babel); the language is per context, not global.

Each check also runs on a deliberately broken copy of the catalogs, to show it can fail.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po, write_po

from indicators.i18n import (
    LANGUAGES,
    available_languages,
    checks,
    current_language,
    n,
    set_language,
    t,
    use_language,
)
from indicators.i18n.catalogs import LOCALE_DIR, po_path
from indicators.i18n.formatting import (
    format_date,
    format_number,
    format_percent,
    format_score,
    separators,
)
from indicators.i18n.names import country_name, unit_name

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = checks.translated_languages()
OURS = ["bs", "hr", "sr-Latn", "sr-Cyrl"]  # mk, sq come from the second translator


def _rewrite(path: Path, edit) -> None:
    with path.open("rb") as fh:
        catalog = read_po(fh)
    edit(catalog)
    with path.open("wb") as fh:
        write_po(fh, catalog)


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    root = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, root)
    return root


def test_all_languages_have_catalogs():
    assert set(OURS) <= set(TRANSLATED), TRANSLATED
    for lang in ("mk", "sq"):
        if lang not in TRANSLATED:
            pytest.skip(f"{lang} catalog not written yet (second translator)")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_message_missing(lang):
    assert checks.missing(lang) == [], f"{lang}: untranslated or fuzzy keys"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_match_english(lang):
    assert checks.placeholder_mismatches(lang) == []


@pytest.mark.parametrize("lang", ["en", *TRANSLATED])
def test_catalog_compiles(lang):
    assert checks.compile_errors(po_path(lang)) == []


def test_cyrillic_catalog_in_sync_with_latin():
    assert checks.cyrillic_out_of_sync() == []


def test_checks_fail_on_broken_catalogs(broken_copy: Path):
    def drop_and_break(catalog):
        del catalog["nav.overview"]
        catalog["nav.trends"].string = "Trendovi {oops}"

    _rewrite(po_path("bs", broken_copy), drop_and_break)
    assert "nav.overview" in checks.missing("bs", broken_copy)
    assert "nav.trends" in checks.placeholder_mismatches("bs", broken_copy)

    def edit_latin(catalog):
        catalog["nav.overview"].string = "Nešto drugo"

    _rewrite(po_path("sr-Latn", broken_copy), edit_latin)
    assert "sr-Cyrl:nav.overview" in checks.cyrillic_out_of_sync(broken_copy)

    bad = po_path("hr", broken_copy)
    text = bad.read_text(encoding="utf-8")
    bad.write_text(text + '\nmsgid "count.x"\nmsgid_plural "count.x"\nmsgstr[0] "a"\n',
                   encoding="utf-8")
    assert checks.compile_errors(bad)
    bad.write_text(text + "\nthis line is not gettext\n", encoding="utf-8")
    assert any("does not parse" in e for e in checks.compile_errors(bad))


def test_plural_forms_follow_each_locale():
    assert [n("count.units", k, lang="sr-Latn") for k in (1, 2, 5, 21, 22, 25, 11, 1001)] == [
        "1 opština", "2 opštine", "5 opština", "21 opština", "22 opštine", "25 opština",
        "11 opština", "1.001 opština"]
    assert n("count.units", 3, lang="hr") == "3 općine"
    assert n("count.units", 3, lang="sr-Cyrl") == "3 општине"
    assert n("count.units", 1, lang="en") == "1 municipality"
    assert n("count.units", 1000, lang="en") == "1,000 municipalities"
    for lang in TRANSLATED:
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if message.pluralizable:
                assert len(message.string) == catalog.num_plurals, (lang, message.id)
    assert "nplurals=3" in po_path("bs").read_text(encoding="utf-8")


def test_every_translated_catalog_is_marked_draft():
    for lang in TRANSLATED:
        head = po_path(lang).read_text(encoding="utf-8")[:800]
        assert "DRAFT" in head and "native speaker" in head, lang


def test_glossary_terms_used_consistently():
    glossary = yaml.safe_load((ROOT / "indicators/i18n/glossary.yaml").read_text("utf-8"))
    english = checks.english_keys()
    for term, stems in glossary["checked"].items():
        keys = [k for k, texts in english.items() if term in " ".join(texts).lower()]
        assert keys, term
        for lang, stem in stems.items():
            if lang not in TRANSLATED:
                continue
            for key in keys:
                text = t(key, lang=lang).lower()
                if text == t(key, lang="en").lower():
                    continue  # not translated yet: test_no_message_missing reports it
                assert stem.lower() in text, f"{lang} {key}: '{stem}' missing in {text!r}"


def test_language_names_in_their_own_language():
    names = {c: lang.name for c, lang in LANGUAGES.items()}
    assert names == {"en": "English", "bs": "Bosanski", "hr": "Hrvatski", "sr-Latn": "Srpski",
                     "sr-Cyrl": "Српски", "mk": "Македонски", "sq": "Shqip"}
    assert set(OURS) <= set(available_languages())


def test_locale_formatting():
    assert format_score(5.14, lang="bs") == "5,1 / 10"
    assert format_score(5.14, lang="en") == "5.1 / 10"
    assert format_number(12345.6, 1, lang="hr") == "12.345,6"
    assert format_date(dt.date(2026, 12, 1), lang="bs") == "1. decembar 2026."
    assert format_date(dt.date(2026, 12, 1), lang="sr-Cyrl") == "1. децембар 2026."
    assert format_date(dt.date(2026, 12, 1), lang="hr") == "1. prosinca 2026."
    assert format_percent(0.873, lang="en") == "87%"
    assert format_percent(0.873, 1, lang="sr-Latn") == "87,3%"
    assert separators("sr-Latn") == ",." and separators("en") == ".,"


def test_names_follow_the_script():
    assert unit_name("Kičevo", None, "mk") == "Кичево"
    assert unit_name("Prijedor", "Приједор", "sr-Cyrl") == "Приједор"
    assert unit_name("Приједор", None, "bs") == "Prijedor"
    assert unit_name("Prijedor", "Приједор", "hr") == "Prijedor"
    assert country_name("BIH", "Bosnia and Herzegovina", "sr-Cyrl") == "Босна и Херцеговина"
    assert country_name("QZA", "Velmorija", "mk", fictional=True) == "Велморија"


def test_language_is_per_context_not_process_wide():
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def worker(lang: str) -> None:
        set_language(lang)
        barrier.wait()  # both threads have set their language before either reads
        seen[lang] = [current_language(), t("nav.overview"), format_score(5.1)]

    threads = [threading.Thread(target=worker, args=(lang,)) for lang in ("sr-Cyrl", "en")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert seen["sr-Cyrl"] == ["sr-Cyrl", t("nav.overview", lang="sr-Cyrl"), "5,1 / 10"]
    assert seen["en"] == ["en", "Overview map", "5.1 / 10"]
    assert current_language() == "en"  # this thread was never changed
    with use_language("mk"):
        assert current_language() == "mk"
    assert current_language() == "en"


def test_sync_is_idempotent_and_check_mode_changes_nothing():
    before = {p: p.read_bytes() for p in LOCALE_DIR.rglob("*.po")}
    out = subprocess.run([sys.executable, "-m", "indicators.i18n.sync", "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert "bs " in out.stdout and "missing" in out.stdout
    assert {p: p.read_bytes() for p in LOCALE_DIR.rglob("*.po")} == before


def test_download_metadata_in_the_language_and_column_codes_stable():
    import io

    import openpyxl
    import pandas as pd

    from indicators.export.meta import ExportMeta, SourceRef
    from indicators.export.tables import table_bytes

    frame = pd.DataFrame({"unit_id": ["QZA-001"], "composite": [5.12], "risk_class": ["medium"]})
    meta = ExportMeta(title="x", sources=(SourceRef("s1", "Source one", licence="CC BY 4.0"),),
                      fictional=True, generated=dt.date(2026, 12, 1))
    with use_language("sr-Cyrl"):
        csv = table_bytes(frame, meta, "csv").decode("utf-8-sig")
        xlsx = openpyxl.load_workbook(io.BytesIO(table_bytes(frame, meta, "xlsx")))
    assert t("export.meta_generated", lang="sr-Cyrl") in csv and "1. децембар 2026." in csv
    assert t("export.meta_note_text", lang="sr-Cyrl")[:40] in csv
    assert "unit_id,composite,risk_class" in csv.replace(";", ",")  # codes are an interface
    data = xlsx[xlsx.sheetnames[0]]
    assert [c.value for c in data[1]] == ["unit_id", "composite", "risk_class"]
    text = " ".join(str(c.value) for row in xlsx[xlsx.sheetnames[-1]].iter_rows() for c in row)
    assert t("export.meta_fictional_yes", lang="sr-Cyrl")[:20] in text


def test_locale_aware_placeholders_in_messages():
    assert t("method.example_result", lang="bs", formula="a", composite=5.123,
             coverage=87.4).endswith("**5,12**; pokrivenost 87 % faktora rizika s podacima.")
    assert "5.12" in t("method.example_result", lang="en", formula="a", composite=5.123,
                       coverage=87.4)
    assert t("label.top_n", lang="hr", n=2025) == "Prvih 2025 jedinica po zbirnoj ocjeni"


def test_one_mechanism_gettext_only():
    """The YAML catalog is gone: t() reads only the .po files. (If someone recreates
    indicators/i18n/en.yaml, run `python -m indicators.i18n.sync --final` to merge it.)"""
    assert not (ROOT / "indicators/i18n/en.yaml").exists()
    source = (ROOT / "indicators/i18n/catalogs.py").read_text(encoding="utf-8")
    assert "yaml" not in source and "read_po" in source
    assert t("nav.overview", lang="en") == "Overview map"
    assert t("no.such.key") == "no.such.key"  # a gap shows the key, never breaks a page
