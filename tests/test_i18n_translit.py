"""Serbian Latin -> Cyrillic generator: code a user types or copies stays as written, Serbian
words (and the abbreviations n/p, TV) are transliterated; checked on strings and on the real
generated sr-Cyrl catalog."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from indicators.i18n.catalogs import po_path
from indicators.i18n.translit import to_cyrillic

KEPT = [
    "python -m indicators build --pack bih-1991 --mirror ../shared/data --db {path}",
    "--allow-partial", "--dry-run", "RISK_SMTP_HOST", "RISK_SMTP_STARTTLS=false",
    "minority_share", "religious_*", "unit_id=shapeID,name=shapeName", "ime@primer.org",
    "DejaVuSans-Bold.ttf", ".streamlit/secrets.toml", "alerts-<ISO3>.xml", "[smtp]",
    "EPSG:4326", "YYYY-MM-DD", "rf01", "RF9", "fonts-dejavu-core", "indicators/export/topojson/",
]


@pytest.mark.parametrize("token", KEPT)
def test_code_tokens_are_not_transliterated(token):
    out = to_cyrillic(f"Pokrenite {token} ili proverite vrednost.")
    assert token in out
    assert out.startswith("Покрените ") and out.endswith(" или проверите вредност.")


@pytest.mark.parametrize(("latin", "cyrillic"), [
    ("n/p — nedovoljno podataka", "н/п — недовољно података"),
    ("štampa, radio, TV, portali", "штампа, радио, ТВ, портали"),
    ("bootstrap interval, Atom feedova, u feedu", "бутстреп интервал, Atom фидова, у фиду"),
    ("RF{n}: {title}", "RF{n}: {title}"),
    ("1 − Σ p², 4 Σ p² (1 − p)", "1 − Σ p², 4 Σ p² (1 − p)"),
    ("Ljubljana, NJEGOŠ, džamija", "Љубљана, ЊЕГОШ, џамија"),
])
def test_words_and_abbreviations(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


def _strings(lang: str) -> dict[str, str]:
    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh)
    return {(m.id[0] if m.pluralizable else m.id): " ‖ ".join(m.string) if m.pluralizable
            else m.string for m in catalog if m.id}


# Transliterated code: an identifier, option or variable with a Cyrillic letter in it.
BROKEN_CODE = re.compile(r"[\u0400-\u04FF]\w*_\w|_\w*[\u0400-\u04FF]|--[\u0400-\u04FF]|"
                         r"пyтхон|РИСК_|\.(?:цсв|xмл|томл|ттф)\b|@пример")


def test_broken_code_pattern_can_fail():
    assert BROKEN_CODE.search("поставите РИСК_СМТП_ХОСТ или --аллоw-партиал")
    assert BROKEN_CODE.search("као миноритy_схаре из гва.цсв")


def test_generated_catalog_keeps_code_of_the_latin_catalog():
    latin, cyrillic = _strings("sr-Latn"), _strings("sr-Cyrl")
    broken = {key: BROKEN_CODE.findall(text) for key, text in cyrillic.items()
              if BROKEN_CODE.search(text)}
    assert broken == {}
    assert cyrillic["brief.alert_insufficient"].startswith("н/п — ")
    assert "python -m indicators templates" in cyrillic["calendar.note"]
    for key in ("outreach.err_smtp_missing", "val.case_missing", "outreach.err_email"):
        for token in re.findall(r"[\w.-]*[_@][\w.@-]+|--[\w-]+", latin[key]):
            assert token.rstrip(".") in cyrillic[key], (key, token)


def test_macedonian_names_use_macedonian_letters():
    """mk: romanised digraphs are Macedonian letters; ć/đ of BCMS names are ќ/ѓ, never ћ/ђ."""
    from indicators.i18n.translit import name_to_cyrillic

    assert name_to_cyrillic("Gjorche Petrov", "mk") == "Ѓорче Петров"
    assert name_to_cyrillic("Cheshinovo - Obleshevo", "mk") == "Чешиново - Облешево"
    assert name_to_cyrillic("Brećica", "mk") == "Бреќица"
    assert name_to_cyrillic("Vrađograd", "mk") == "Враѓоград"
    assert name_to_cyrillic("Ljubljana", "mk") == "Љубљана"
    assert name_to_cyrillic("Brećica", "sr") == "Брећица"  # Serbian keeps ћ


def test_serbian_cyrillic_reads_english_style_romanisations():
    from indicators.i18n.translit import name_to_cyrillic

    assert name_to_cyrillic("Gjorche Petrov", "sr") == "Ђорче Петров"
    assert name_to_cyrillic("Shtime", "sr") == "Штиме"
    assert name_to_cyrillic("Podzvizd", "sr") == "Подзвизд"  # no ѕ in Serbian
    assert name_to_cyrillic("Bosanska Gradiška", "sr") == "Босанска Градишка"
