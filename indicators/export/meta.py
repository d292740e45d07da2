"""What every download carries besides its data: title, active filters, sources with licences,
method version, generation date, coverage note and the fictional flag.

One :class:`ExportMeta` travels with a chart or table into every format: it becomes the
subtitle and footer of an image (:mod:`indicators.export.images`), the ``metadata`` sheet of
an XLSX (:mod:`indicators.export.tables`) and the attribution of a brief.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb

from indicators.figures.style import standard_footer
from indicators.i18n import t
from indicators.i18n.formatting import format_date
from indicators.scoring.config import METHOD_VERSION
from indicators.views import measure_kind


@dataclass(frozen=True)
class SourceRef:
    """One source behind a download (a row of the ``sources`` table)."""

    id: str
    title: str
    publisher: str = ""
    licence: str = ""
    url: str = ""
    citation: str = ""

    @property
    def line(self) -> str:
        """'Title — licence: X', the form used in figure footers and captions."""
        return t("export.source_line", title=self.title, licence=self.licence or t("export.licence_unknown"))


@dataclass(frozen=True)
class ExportMeta:
    """Everything a download states about itself (see the module docstring).

    ``filters`` are ``(label, value)`` pairs in display order, e.g.
    ``(("Countries", "Velmorija, Ostrelija"), ("Measure", "Composite risk score"),
    ("Period", "2025"))``; they make the subtitle of exported images.
    """

    title: str
    filters: tuple[tuple[str, str], ...] = ()
    sources: tuple[SourceRef, ...] = ()
    coverage: str | None = None
    fictional: bool = False
    method: str = METHOD_VERSION
    generated: date = field(default_factory=date.today)

    @property
    def subtitle(self) -> str:
        """The active filters and period as one line: 'Countries: … · Measure: … · Period: 2025'."""
        return " · ".join(f"{label}: {value}" for label, value in self.filters if value)

    def footer_lines(self) -> list[str]:
        """Footer lines in the house order: sources and licences, method and date, coverage."""
        return standard_footer(
            [s.line for s in self.sources],
            generated=self.generated,
            coverage=self.coverage,
            method=self.method,
        )

    def metadata_rows(self) -> list[tuple[str, str]]:
        """``(field, value)`` rows of the XLSX metadata sheet (sources follow as a table)."""
        rows = [
            (t("export.meta_title"), self.title),
            (t("export.meta_generated"), format_date(self.generated, "long")),
            (t("export.meta_method"), self.method),
            (
                t("export.meta_fictional"),
                t("export.meta_fictional_yes") if self.fictional else t("export.meta_fictional_no"),
            ),
        ]
        rows += [(f"{t('export.meta_filter')}: {label}", value) for label, value in self.filters]
        if self.coverage:
            rows.append((t("export.meta_coverage"), self.coverage))
        rows.append((t("export.meta_note"), t("export.meta_note_text")))
        return rows

    def with_title(self, title: str) -> ExportMeta:
        """The same metadata under another title."""
        return ExportMeta(
            title, self.filters, self.sources, self.coverage, self.fictional, self.method,
            self.generated,
        )


def filters_for(
    *,
    countries: Sequence[str] = (),
    measure: str | None = None,
    period: int | str | None = None,
    extra: Iterable[tuple[str, str]] = (),
) -> tuple[tuple[str, str], ...]:
    """Filter pairs in the house order: countries, measure, period, then ``extra``."""
    pairs: list[tuple[str, str]] = []
    if countries:
        pairs.append((t("filter.countries"), ", ".join(countries)))
    if measure:
        pairs.append((t("filter.measure"), measure))
    if period is not None and str(period) != "":
        pairs.append((t("filter.period"), str(period)))
    pairs.extend((str(a), str(b)) for a, b in extra)
    return tuple(pairs)


_SOURCE_SQL = (
    "SELECT DISTINCT s.id, s.title, coalesce(s.publisher, ''), coalesce(s.licence, ''), "
    "coalesce(s.url, ''), coalesce(s.citation, '') FROM observations o "
    "JOIN indicators i ON i.code = o.indicator JOIN sources s ON s.id = o.source "
)


def sources_for_measure(con: duckdb.DuckDBPyConnection, measure: str) -> tuple[SourceRef, ...]:
    """Every source behind the observations of a measure (composite, ``rfNN`` or indicator)."""
    kind = measure_kind(measure)
    if kind == "composite":
        cond, params = "i.risk_factor IS NOT NULL", []
    elif kind == "risk_factor":
        cond, params = "i.risk_factor = ?", [int(measure[2:])]
    else:
        cond, params = "i.code = ?", [measure]
    rows = con.execute(_SOURCE_SQL + f"WHERE {cond} ORDER BY 2", params).fetchall()
    return tuple(SourceRef(*map(str, row)) for row in rows)


def sources_by_id(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> tuple[SourceRef, ...]:
    """The given sources (those that exist), ordered by title."""
    wanted = sorted({str(i) for i in ids if i})
    if not wanted:
        return ()
    rows = con.execute(
        "SELECT id, title, coalesce(publisher, ''), coalesce(licence, ''), coalesce(url, ''), "
        "coalesce(citation, '') FROM sources WHERE id IN (SELECT unnest(?::VARCHAR[])) ORDER BY 2",
        [wanted],
    ).fetchall()
    return tuple(SourceRef(*map(str, row)) for row in rows)


def is_fictional(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse holds the fictional demo region (``meta.fictional``)."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'fictional'").fetchone()
    except duckdb.Error:
        return False
    return bool(row) and str(row[0]).lower() == "true"


def file_stem(*parts: object) -> str:
    """A safe ASCII file name stem from parts: ``file_stem("map", "rf07", 2025)`` -> ``map_rf07_2025``.

    Diacritics are folded (``Đešegrad`` -> ``Desegrad``); anything else becomes ``-``.
    """
    text = "_".join(str(p) for p in parts if p is not None and str(p) != "")
    text = text.replace("Đ", "D").replace("đ", "d")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_text).strip("-_.")
    return stem or "export"
