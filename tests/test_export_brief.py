"""The one-page A4 brief: opened as a PDF, its text extracted and checked (unit name with its
diacritics and local spelling, sources, method version, demo marking), for a municipality
and a country; fonts cover Latin diacritics, Cyrillic and Albanian."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from indicators.export import brief
from indicators.export.brief_data import brief_data
from indicators.export.charts import SelectionError, open_context
from indicators.warehouse import connect
from tests.conftest import require_export_chromium

require_export_chromium()


@pytest.fixture(scope="module")
def con(demo_db: Path):
    con = connect(demo_db, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def ctx(con):
    return open_context(con)


@pytest.fixture(scope="module")
def unit(con) -> tuple[str, str, str]:
    """A unit whose name has a regional diacritic and which has a Cyrillic local spelling."""
    row = con.execute(
        "SELECT unit_id, name, name_local FROM units WHERE regexp_matches(name, '[čćšžđČĆŠŽĐ]') "
        "AND name_local IS NOT NULL ORDER BY unit_id LIMIT 1"
    ).fetchone()
    assert row, "the demo region should have names with diacritics"
    return row


@pytest.fixture(scope="module")
def unit_pdf(con, ctx, unit) -> bytes:
    return brief.build_brief(con, unit=unit[0], context=ctx)


def _text(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def test_brief_is_one_a4_page(unit_pdf):
    assert unit_pdf.startswith(b"%PDF-") and b"%%EOF" in unit_pdf[-64:]
    assert 30_000 < len(unit_pdf) < 2_000_000
    reader = PdfReader(io.BytesIO(unit_pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    assert "Đ" in reader.metadata.title or any(ch in reader.metadata.title for ch in "čćšžđČĆŠŽ")


def test_brief_text_names_unit_sources_method(unit_pdf, unit):
    text = _text(unit_pdf)
    _, name, local = unit
    assert name in text, f"{name!r} not in the extracted text"
    assert local in text, f"local spelling {local!r} not in the extracted text"
    assert "method v1" in text
    assert "Sources: Fictional demo data" in text and "CC0 1.0" in text
    assert "FICTIONAL DEMO DATA" in text
    for heading in ("How to read this brief", "Indicators behind the score", "Early warning",
                    "The 14 risk factors", "Composite over time", "Method, sources and attribution"):
        assert heading in text
    assert "not a prediction" in text and "never as low risk" in text
    assert "Rank (5–95 % interval)" in text


def test_brief_charts_are_vector(unit_pdf):
    """The charts are placed as PDF content (text of axis labels extractable), not as images."""
    text = _text(unit_pdf)
    assert "RF1 Situations of armed" in text  # the risk factor chart's axis labels
    page = PdfReader(io.BytesIO(unit_pdf)).pages[0]
    assert not list(page.images), "charts should be vector, not raster images"


def test_country_brief(con, ctx):
    pdf = brief.build_brief(con, country="QZB", context=ctx)
    text = _text(pdf)
    assert "Atrocity-risk brief: Ostrelija" in text and "Острелија" in text
    assert "Average composite score of its municipalities" in text and "method v1" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_brief_data_content(con, ctx, unit):
    data = brief_data(con, unit=unit[0], period=2024, context=ctx)
    assert data.period == 2024 and data.fictional and data.kind == "unit"
    assert len(data.key_lines) == 4 and len(data.alert_lines) == 3
    top = data.top_indicators
    assert 0 < len(top) <= 5 and (top["source_id"] == "demo").all()
    assert top["contribution"].is_monotonic_decreasing
    assert {tr.name for tr in data.map_fig.data} >= {"highlight"}


def test_brief_needs_exactly_one_target(con, ctx):
    with pytest.raises(SelectionError):
        brief_data(con, context=ctx)
    with pytest.raises(SelectionError):
        brief_data(con, unit="NOPE-1", context=ctx)


def test_font_covers_diacritics_cyrillic_albanian():
    assert brief.missing_glyphs() == ""
    assert brief.missing_glyphs("Gjakovë Çair Đakovica Ђаковица č ć š ž đ") == ""


def test_missing_font_is_explained(monkeypatch, tmp_path):
    monkeypatch.setattr(brief, "FONT_DIRS", (str(tmp_path),))
    monkeypatch.delenv(brief.FONT_ENV, raising=False)
    assert brief.find_font("DejaVuSans.ttf") is None
    assert "fonts-dejavu-core" in brief.t("brief.no_font")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_brief_renders_to_png(unit_pdf, tmp_path):
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(unit_pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pngs = list(tmp_path.glob("page*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 20_000


def test_insufficient_data_is_said_never_low(con):
    from indicators.scoring.config import ScoringConfig
    from indicators.scoring.engine import score
    from indicators.scoring.panel import load_panel

    strict = score(load_panel(con), ScoringConfig(min_coverage=1.0))
    now = strict.frame[strict.frame["period"] == strict.frame["period"].max()]
    missing = now[now["composite"].isna()]
    if missing.empty:
        pytest.skip("every unit has full coverage in this demo build")
    pdf = brief.build_brief(con, unit=str(missing["unit_id"].iloc[0]), result=strict)
    text = _text(pdf)
    assert "insufficient data" in text and "This is not low risk" in text
    assert "not ranked" in text


def _lowest_text_y(pdf: bytes) -> float:
    """The lowest baseline of any text drawn on the page (PDF points from the bottom edge)."""
    ys: list[float] = []

    def visit(text, cm, tm, font, size):  # noqa: ANN001, ANN202
        if text.strip():
            ys.append(cm[5] + tm[5] * cm[3])

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return min(ys)


def test_a_long_calendar_never_pushes_the_sources_off_the_page(con, ctx, unit):
    """The lower sections shrink to fit: the sources and the attribution stay on the page."""
    from dataclasses import replace

    data = brief_data(con, unit=unit[0], context=ctx)
    long = replace(data, triggers=[(f"2027-01-{d:02d}", "A long description of a dated event "
                                    * 6) for d in range(1, 13)],
                   comparability_note="Cross-country comparison is affected. " * 8)
    pdf = brief.render_brief(long)
    assert _lowest_text_y(pdf) >= 0  # drawn within the page
    text = _text(pdf)
    assert "Fictional demo data" in text or "licence" in text.lower()
    assert _lowest_text_y(brief.render_brief(data)) >= 0
