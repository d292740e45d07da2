"""The one-page brief (PDF, A4 portrait) of a municipality or a country.

Layout, top to bottom: title with the local spelling and the country; the demo banner when
the data are fictional; the map with the unit (or country) outlined beside the composite
score with its class, rank, rank interval, coverage and early-warning status; the 14 risk
factors against the country and regional medians beside the composite over time; the
indicators that contribute most to the score, each with its source and licence; a
plain-language "how to read" paragraph; method, sources, licences and attribution.

Text is set by reportlab in DejaVu Sans (Latin with diacritics, Cyrillic, Albanian: the
Debian package ``fonts-dejavu-core``, installed by ``scripts/setup.sh``). The three charts are
the project's plotly figures exported as vector PDF by Chromium
(:mod:`indicators.export.images`) and placed on the page with pypdf, so they stay vector.
A diagonal watermark goes over everything when the data are fictional.
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from indicators.export import images
from indicators.export.brief_data import BriefData, brief_data, class_text
from indicators.figures.style import CLASS_KEYS, INSUFFICIENT, class_color, class_label
from indicators.i18n import t
from indicators.i18n.formatting import format_date, format_decimal

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ENV = "RISK_FONT_DIR"
FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/usr/local/share/fonts/dejavu",
    "/Library/Fonts",
    str(Path.home() / ".fonts"),
    str(Path.home() / ".local/share/fonts"),
)
#: Characters the brief must render: Latin with diacritics, Cyrillic, Albanian.
REQUIRED_GLYPHS = "čćšžđČĆŠŽĐëçËÇЂђЉљЊњЋћЏџЖжШшЧч"
PAGE_W, PAGE_H = A4
MARGIN = 34.0
PX = 0.75  # PDF points per CSS pixel (Chromium's PDF scale)
INK = colors.HexColor("#222222")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#d0d0d0")
DEMO_RED = colors.HexColor("#b2182b")


class BriefError(RuntimeError):
    """The brief cannot be produced here (the message says what to install)."""


# --- fonts -----------------------------------------------------------------------------------


def find_font(file_name: str) -> Path | None:
    """Path of a font file in ``$RISK_FONT_DIR`` or the usual system font folders."""
    dirs = [os.environ[FONT_ENV]] if os.environ.get(FONT_ENV) else []
    for folder in [*dirs, *FONT_DIRS]:
        candidate = Path(folder) / file_name
        if candidate.is_file():
            return candidate
    return None


def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold) with reportlab; BriefError when missing."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold = find_font("DejaVuSans.ttf"), find_font("DejaVuSans-Bold.ttf")
    if regular is None or bold is None:
        raise BriefError(t("brief.no_font"))
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def missing_glyphs(text: str = REQUIRED_GLYPHS) -> str:
    """Characters of ``text`` the brief font cannot draw (empty when all are covered)."""
    register_fonts()
    face = pdfmetrics.getFont(FONT).face
    return "".join(ch for ch in text if ord(ch) not in face.charToGlyph)


# --- drawing helpers -------------------------------------------------------------------------


def _style(size: float = 8.0, *, bold: bool = False, color=INK, leading: float | None = None,
           align: int = 0) -> ParagraphStyle:
    return ParagraphStyle(
        "b", fontName=FONT_BOLD if bold else FONT, fontSize=size,
        leading=leading or size * 1.28, textColor=color, alignment=align,
    )


def _para(c: canvas.Canvas, text: str, x: float, top: float, width: float, style: ParagraphStyle) -> float:
    """Draw a paragraph with its top at ``top``; return the y under it."""
    p = Paragraph(text, style)
    _, h = p.wrap(width, PAGE_H)
    p.drawOn(c, x, top - h)
    return top - h


def _heading(c: canvas.Canvas, text: str, x: float, top: float, width: float) -> float:
    c.setFont(FONT_BOLD, 9.5)
    c.setFillColor(INK)
    c.drawString(x, top - 9.5, text)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.line(x, top - 12.5, x + width, top - 12.5)
    return top - 16


def _e(text: object) -> str:
    return escape(str(text))


def _key_figures(c: canvas.Canvas, data: BriefData, x: float, top: float, width: float) -> float:
    label = t("measure.composite") if data.kind == "unit" else t("brief.country_composite")
    y = _para(c, _e(label), x, top, width, _style(8.5, color=MUTED))
    value = format_decimal(data.composite, 1) if data.composite is not None else "—"
    c.setFont(FONT_BOLD, 26)
    c.setFillColor(INK)
    c.drawString(x, y - 26, value)
    vw = pdfmetrics.stringWidth(value, FONT_BOLD, 26)
    c.setFont(FONT, 11)
    c.drawString(x + vw + 4, y - 26, "/ 10")
    chip_x = x + vw + 40
    chip_text = class_text(data)
    chip_w = pdfmetrics.stringWidth(chip_text, FONT_BOLD, 9) + 14
    c.setFillColor(colors.HexColor(class_color(data.risk_class)))
    c.setStrokeColor(colors.HexColor("#888888"))
    c.setLineWidth(0.4)
    c.roundRect(chip_x, y - 27, chip_w, 16, 3, stroke=1, fill=1)
    c.setFillColor(INK)
    c.setFont(FONT_BOLD, 9)
    c.drawString(chip_x + 7, y - 22, chip_text)
    y -= 34
    if data.composite is None:
        y = _para(c, _e(t("brief.insufficient_note")), x, y, width, _style(7.5, color=DEMO_RED))
        y -= 2
    rows = [[Paragraph(_e(k), _style(7.5, color=MUTED)), Paragraph(_e(v), _style(7.5))]
            for k, v in data.key_lines]
    y = _table(c, rows, x, y, [width * 0.42, width * 0.58])
    y -= 6
    y = _para(c, "<b>" + _e(t("brief.early_warning", period=data.period)) + "</b>", x, y, width, _style(8))
    y -= 2
    rows = [[Paragraph(_e(k), _style(7.2, color=MUTED)), Paragraph(_e(v), _style(7.2))]
            for k, v in data.alert_lines]
    return _table(c, rows, x, y, [width * 0.42, width * 0.58])


def _table(c: canvas.Canvas, rows: list[list], x: float, top: float, widths: list[float],
           *, header: bool = False) -> float:
    table = Table(rows, colWidths=widths)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
    ]
    if header:
        style.append(("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED))
    table.setStyle(TableStyle(style))
    _, h = table.wrap(sum(widths), PAGE_H)
    table.drawOn(c, x, top - h)
    return top - h


def _indicator_rows(data: BriefData) -> list[list]:
    sources = {s.id: s for s in data.sources}
    head = [t("label.indicator"), "RF", t("label.value"), t("brief.score_short"),
            t("brief.observed"), t("label.source")]
    rows: list[list] = [[Paragraph("<b>" + _e(h) + "</b>", _style(7)) for h in head]]
    for rec in data.top_indicators.itertuples(index=False):
        src = sources.get(rec.source_id)
        source = src.title if src else "—"
        cells = [rec.title, f"RF{rec.risk_factor}", rec.value or "—", format_decimal(rec.score, 1),
                 rec.observed, source]
        rows.append([Paragraph(_e(v), _style(7)) for v in cells])
    return rows


def _map_legend(c: canvas.Canvas, data: BriefData, x: float, top: float, width: float) -> float:
    """Class swatches under the map (the map itself has no colour bar) and the outline key."""
    items = [(k, class_label(k)) for k in (*CLASS_KEYS, INSUFFICIENT)]
    c.setFont(FONT, 6.6)
    cx, y = x, top - 8
    for key, label in items:
        w = 8 + 3 + pdfmetrics.stringWidth(label, FONT, 6.6) + 8
        if cx + w > x + width:
            cx, y = x, y - 10
        c.setFillColor(colors.HexColor(class_color(key)))
        c.setStrokeColor(colors.HexColor("#888888"))
        c.setLineWidth(0.3)
        c.rect(cx, y - 1, 8, 6.5, stroke=1, fill=1)
        c.setFillColor(INK)
        c.drawString(cx + 11, y, label)
        cx += w
    label = t("brief.outlined", name=data.name)
    w = 8 + 3 + pdfmetrics.stringWidth(label, FONT, 6.6)
    if cx + w > x + width:
        cx, y = x, y - 10
    c.setStrokeColor(INK)
    c.setLineWidth(1.6)
    c.rect(cx + 1, y - 1, 7, 6, stroke=1, fill=0)
    c.setFillColor(INK)
    c.drawString(cx + 11, y, label)
    return y - 4


def _draw_page(c: canvas.Canvas, data: BriefData) -> dict[str, tuple[float, float, float, float]]:
    """Draw all text of the page; return the boxes (x, y, w, h) where the charts go."""
    x0, width = MARGIN, PAGE_W - 2 * MARGIN
    top = PAGE_H - MARGIN
    boxes: dict[str, tuple[float, float, float, float]] = {}

    title = _e(data.title)
    if data.name_local and data.name_local != data.name:
        title += f" <font color='#555555' size='13'>({_e(data.name_local)})</font>"
    top = _para(c, title, x0, top, width, _style(17, bold=True, leading=21))
    kind = t("label.unit") if data.kind == "unit" else t("label.country")
    sub = t("brief.subtitle", kind=kind, country=data.country_name, code=data.country,
            period=data.period, date=format_date(data.generated, "long"), method=t("method.version"))
    top = _para(c, _e(sub), x0, top - 2, width, _style(8.5, color=MUTED))
    if data.fictional:
        top = _para(c, "<b>" + _e(t("demo.banner")) + "</b>", x0, top - 3, width, _style(8, color=DEMO_RED))
    top -= 8

    # row 1: map and its legend | key figures
    map_w = data.map_fig.layout.width * PX
    map_h = data.map_fig.layout.height * PX
    right_x, right_w = x0 + map_w + 16, width - map_w - 16
    h1 = _heading(c, t("brief.where"), x0, top, map_w)
    boxes["map"] = (x0, h1 - map_h, map_w, map_h)
    y_map = _map_legend(c, data, x0, h1 - map_h - 2, map_w)
    h2 = _heading(c, t("brief.score"), right_x, top, right_w)
    y_key = _key_figures(c, data, right_x, h2, right_w)
    top = min(y_map, y_key) - 8

    # row 2: risk factors | trend
    rf_w, rf_h = data.rf_fig.layout.width * PX, data.rf_fig.layout.height * PX
    tr_w, tr_h = data.trend_fig.layout.width * PX, data.trend_fig.layout.height * PX
    gap = width - rf_w - tr_w
    h1 = _heading(c, t("brief.risk_factors"), x0, top, rf_w)
    boxes["rf"] = (x0, h1 - rf_h, rf_w, rf_h)
    trend_title = t("brief.trend") if data.kind == "unit" else t("brief.trend_country")
    h2 = _heading(c, trend_title, x0 + rf_w + gap, top, tr_w)
    boxes["trend"] = (x0 + rf_w + gap, h2 - tr_h, tr_w, tr_h)
    top = min(h1 - rf_h, h2 - tr_h) - 8

    # row 3: indicators behind the score
    top = _heading(c, t("brief.top_indicators"), x0, top, width)
    if len(data.top_indicators):
        widths = [w * width for w in (0.27, 0.05, 0.16, 0.06, 0.08, 0.38)]
        top = _table(c, _indicator_rows(data), x0, top, widths, header=True)
        note = t("brief.top_note")
    else:
        note = t("brief.no_indicators")
    top = _para(c, _e(note), x0, top - 2, width, _style(6.5, color=MUTED)) - 6

    _draw_tail(c, data, x0, top, width)
    return boxes


#: Smallest text scale of the lower sections before the page would overflow (then it stops).
MIN_TAIL_SCALE = 0.7


def _draw_tail(c: canvas.Canvas, data: BriefData, x0: float, top: float, width: float) -> None:
    """Calendar, how to read, method and sources: at the largest text scale (1.0 down to
    :data:`MIN_TAIL_SCALE`) that keeps them above the bottom margin, then with fewer calendar
    dates ("… (+N)") if needed: sources and licences are never pushed off the page."""
    import io

    def fits(d: BriefData, k: float) -> bool:
        probe = canvas.Canvas(io.BytesIO(), pagesize=A4)  # measure without drawing
        return _tail(probe, d, x0, top, width, k) >= MARGIN * 0.5

    scale = 1.0
    while scale > MIN_TAIL_SCALE and not fits(data, scale):
        scale = round(scale - 0.05, 2)
    triggers = list(data.triggers)
    shown = data
    while triggers and not fits(shown, scale):  # still too long: fewer dates, say how many more
        triggers.pop()
        more = len(data.triggers) - len(triggers)
        shown = replace(data, triggers=[*triggers, ("…", f"(+{more})")])
    _tail(c, shown, x0, top, width, scale)


def _tail(c: canvas.Canvas, data: BriefData, x0: float, top: float, width: float,
          k: float) -> float:
    """Draw the lower sections with text sizes times ``k``; return the y under the last."""
    def st(size: float, **kw: object) -> ParagraphStyle:
        lead = kw.pop("leading", None)
        return _style(size * k, leading=lead * k if lead else None, **kw)  # type: ignore[arg-type]

    # dates of heightened sensitivity (calendar of FoA risk factor 8)
    top = _heading(c, t("brief.triggers", days=90), x0, top, width)
    text = "; ".join(f"<b>{_e(d)}</b> {_e(label)}" for d, label in data.triggers)
    top = _para(c, text or _e(t("brief.no_triggers")), x0, top, width, st(7.3, leading=9.1)) - 2
    top = _para(c, _e(t("brief.triggers_note")), x0, top, width, st(6.5, color=MUTED)) - 6

    # how to read
    top = _heading(c, t("brief.how_to_read"), x0, top, width)
    top = _para(c, _e(t("brief.how_to_read_text")), x0, top, width, st(7.3, leading=9.1)) - 6
    if data.comparability_note:
        top = _para(c, _e(data.comparability_note), x0, top + 4, width,
                    st(7.3, leading=9.1)) - 6

    # method and attribution
    top = _heading(c, t("brief.method_sources"), x0, top, width)
    text = _e(t("brief.method_text", method=t("method.version")))
    top = _para(c, text, x0, top, width, st(6.8, leading=8.4))
    lines = [f"{s.title}" + (f" ({s.publisher})" if s.publisher else "") + " — "
             f"{t('label.licence').lower()}: {s.licence or t('export.licence_unknown')}"
             + (f" — {s.url}" if s.url else "") for s in data.sources]
    src_text = t("footer.sources", sources="; ".join(lines) if lines else "—")
    top = _para(c, _e(src_text), x0, top - 2, width, st(6.8, leading=8.4))
    attribution = t("brief.attribution", date=format_date(data.generated, "long"),
                    method=t("method.version"), coverage=data.coverage_note)
    return _para(c, _e(attribution), x0, top - 2, width, st(6.8, color=MUTED, leading=8.4))


def _draw_watermark(c: canvas.Canvas) -> None:
    c.saveState()
    c.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.13))
    c.setFont(FONT_BOLD, 54)
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(38)
    c.drawCentredString(0, -18, t("demo.watermark"))
    c.restoreState()


def _place(page, chart_pdf: bytes, box: tuple[float, float, float, float]) -> None:
    chart = PdfReader(io.BytesIO(chart_pdf)).pages[0]
    w, h = float(chart.mediabox.width), float(chart.mediabox.height)
    x, y, bw, bh = box
    s = min(bw / w, bh / h)
    dx, dy = x + (bw - w * s) / 2, y + (bh - h * s)
    page.merge_transformed_page(chart, Transformation().scale(s, s).translate(dx, dy))


def render_brief(data: BriefData) -> bytes:
    """The brief of ``data`` as PDF bytes (needs Chromium for the charts and DejaVu Sans)."""
    register_fonts()
    charts = {
        "map": images.render(data.map_fig, "pdf"),
        "rf": images.render(data.rf_fig, "pdf"),
        "trend": images.render(data.trend_fig, "pdf"),
    }
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4)
    c.setTitle(data.title)
    c.setAuthor(t("app.title"))
    c.setSubject(t("brief.pdf_subject", method=t("method.version")))
    boxes = _draw_page(c, data)
    c.showPage()
    if data.fictional:
        _draw_watermark(c)
    c.showPage()
    c.save()

    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    writer = PdfWriter()
    page = writer.add_page(reader.pages[0])
    for key, box in boxes.items():
        _place(page, charts[key], box)
    if data.fictional:
        page.merge_page(reader.pages[1])
    writer.add_metadata({"/Title": data.title, "/Author": t("app.title"),
                         "/Subject": t("brief.pdf_subject", method=t("method.version"))})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_brief(con: duckdb.DuckDBPyConnection, *, unit: str | None = None, country: str | None = None,
                period: int | None = None, **kwargs) -> bytes:
    """Gather (:func:`~indicators.export.brief_data.brief_data`) and render a brief in one call."""
    return render_brief(brief_data(con, unit=unit, country=country, period=period, **kwargs))


def brief_available() -> tuple[bool, str]:
    """(True, "") when briefs can be made here, else (False, what to install)."""
    try:
        register_fonts()
    except BriefError as exc:
        return False, str(exc)
    if not images.chromium_available():
        return False, t("export.no_chromium_error", hint=images.install_hint())
    return True, ""

