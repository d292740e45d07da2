"""The one-page PDF brief in the region's languages, made by the CLI (`export brief --lang`) on a
real demo warehouse and read back with pypdf: Cyrillic text and decimal commas in mk and sr-Cyrl,
ë and ç in sq; the English brief keeps decimal points."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from indicators.i18n import t
from indicators.i18n.checks import translated_languages
from tests.conftest import require_export_chromium

require_export_chromium()
ROOT = Path(__file__).resolve().parents[1]
UNIT = "QZC-005"


def _brief(db: Path, out: Path, lang: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "indicators", "export", "brief", "--db", str(db), "--unit", UNIT,
         "--format", "pdf", "--lang", lang, "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


@pytest.mark.parametrize("lang", ["sr-Cyrl", "mk"])
def test_cyrillic_brief_has_cyrillic_and_decimal_commas(demo_db: Path, tmp_path: Path, lang: str):
    if lang not in translated_languages():
        pytest.skip(f"{lang} catalog not written yet")
    text = _brief(demo_db, tmp_path / f"brief_{lang}.pdf", lang)
    cyrillic = re.findall(r"[\u0400-\u04FF]", text)
    assert len(cyrillic) > 1000, "the brief's text should be mostly Cyrillic"
    assert t("brief.how_to_read", lang=lang) in text
    assert t("label.rank", lang=lang) in text
    score = re.search(r"\n(\d{1,2}[,.]\d)\n/ 10", text)
    assert score and "," in score.group(1), "the composite shows a decimal comma (e.g. 5,1 / 10)"
    assert re.findall(r"\b\d,\d\b", text) and not re.findall(r"\b\d\.\d\s*/ 10", text)


def test_albanian_brief_renders_e_and_c_cedilla(demo_db: Path, tmp_path: Path):
    if "sq" not in translated_languages():
        pytest.skip("sq catalog not written yet")
    text = _brief(demo_db, tmp_path / "brief_sq.pdf", "sq")
    assert "ë" in text and "ç" in text
    assert t("brief.how_to_read", lang="sq") in text
    assert re.search(r"\n\d{1,2},\d\n/ 10", text)


def test_unknown_language_is_refused_clearly(demo_db: Path, tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "indicators", "export", "brief", "--db", str(demo_db), "--unit",
         UNIT, "--format", "pdf", "--lang", "de", "--out", str(tmp_path / "x.pdf")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "unknown language 'de'" in done.stderr and "sr-Cyrl" in done.stderr
    assert not (tmp_path / "x.pdf").exists()
