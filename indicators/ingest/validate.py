"""Row-level checks of observations, each producing a :class:`Problem` with a suggestion.

Checks: unknown indicator (closest codes suggested), unknown or ambiguous unit (closest
names suggested, across scripts and diacritics), country-level indicator given for a unit
and vice versa, period not a year / before 1900 / in the future, value empty / not a number,
negative value of a count-type indicator, duplicate (unit, indicator, period) in the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from indicators.catalog import Indicator
from indicators.ingest.matching import UnitMatcher, describe
from indicators.ingest.readers import parse_number
from indicators.ingest.report import Problem

MIN_YEAR = 1900
ISO3_RE = re.compile(r"^[A-Z]{3}$")
_COUNT_WORDS = ("count", "number", "persons", "people")
_MISSING_MARKS = {"..", "...", "-", "--", "n/a", "na", "nan", "null", "none", "x", ":", "?"}
_DATE_RE = re.compile(r"^(\d{4})-\d{1,2}(-\d{1,2})?$|^\d{1,2}[./]\d{1,2}[./](\d{4})\.?$")


@dataclass
class Context:
    """What the warehouse (plus any definitions being imported) knows."""

    indicators: dict[str, Indicator]
    matcher: UnitMatcher
    countries: set[str]
    current_year: int = field(default_factory=lambda: dt.date.today().year)

    @classmethod
    def from_connection(
        cls, con: Any, extra_indicators: Iterable[Indicator] = ()
    ) -> Context:
        """Read indicators, units, aliases and countries from an open warehouse."""
        cols = [
            "code", "title", "description", "risk_factor", "foa_indicators", "direction",
            "level", "transform", "per_capita", "weight", "unit", "source", "max_age",
        ]
        indicators: dict[str, Indicator] = {}
        for row in con.execute(f"SELECT {', '.join(cols)} FROM indicators").fetchall():
            rec = dict(zip(cols, row, strict=True))
            rec["foa_indicators"] = tuple(rec["foa_indicators"] or ())
            for key in ("description", "unit", "source"):
                rec[key] = rec[key] or ""
            indicators[rec["code"]] = Indicator(**rec)
        for ind in extra_indicators:
            indicators[ind.code] = ind
        matcher = UnitMatcher.from_connection(con)
        countries = {r[0] for r in con.execute("SELECT iso3 FROM countries").fetchall()}
        countries |= {u.country for u in matcher.units.values()}
        return cls(indicators=indicators, matcher=matcher, countries=countries)


def is_count_type(ind: Indicator) -> bool:
    """Counts (unit of measure says count/number/persons) and per-capita or log1p inputs."""
    unit = (ind.unit or "").lower()
    return ind.per_capita or ind.transform == "log1p" or any(w in unit for w in _COUNT_WORDS)


def suggest_codes(code: str, indicators: dict[str, Indicator], limit: int = 3) -> list[str]:
    """The indicator codes closest to ``code`` (by code and by title)."""
    if not indicators:
        return []
    choices = {c: c.replace("_", " ") for c in indicators}
    hits = process.extract(code.replace("_", " "), choices, scorer=fuzz.WRatio, limit=limit,
                           score_cutoff=55)
    out = [key for _c, _s, key in hits]
    titles = {c: ind.title for c, ind in indicators.items()}
    for _c, _s, key in process.extract(code, titles, scorer=fuzz.WRatio, limit=limit,
                                        score_cutoff=70):
        if key not in out:
            out.append(key)
    return out[:limit]


def unknown_indicator(code: str, ctx: Context) -> Problem:
    """Problem for an indicator code the warehouse does not know."""
    close = suggest_codes(code, ctx.indicators)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    return Problem(
        reason=f"unknown indicator '{code}'",
        value=code,
        suggestion=hint + "use a catalog code or add a definition with --definitions FILE",
    )


def check_period(text: str | None, ctx: Context) -> tuple[int | None, Problem | None]:
    """A year between 1900 and the current year."""
    if text is None or not text.strip():
        return None, Problem(reason="period is empty", suggestion="enter the year, e.g. 2021")
    s = text.strip()
    if re.fullmatch(r"\d{4}(\.0+)?", s):
        year = int(s.split(".")[0])
    else:
        m = _DATE_RE.match(s)
        if m:
            year_text = m.group(1) or m.group(3)
            return None, Problem(
                reason=f"'{s}' is a date, not a year", value=s,
                suggestion=f"periods are years: write {year_text}",
            )
        return None, Problem(
            reason=f"'{s}' is not a year", value=s,
            suggestion="write the year as four digits, e.g. 2021",
        )
    if year < MIN_YEAR:
        return None, Problem(
            reason=f"period {year} is before {MIN_YEAR}", value=s,
            suggestion="check the year (typing error?)",
        )
    if year > ctx.current_year:
        return None, Problem(
            reason=f"period {year} is in the future (this is {ctx.current_year})", value=s,
            suggestion="check the year; forecasts are not observations",
        )
    return year, None


def check_value(
    text: str | None, ind: Indicator | None, decimal_mark: str
) -> tuple[float | None, Problem | None]:
    """A finite number; not negative for count-type indicators."""
    if text is None or not text.strip():
        return None, Problem(
            reason="value is empty",
            suggestion="enter a number or delete the row (missing data is simply left out)",
        )
    value, why = parse_number(text, decimal_mark)
    if value is None:
        s = text.strip()
        if s.lower() in _MISSING_MARKS:
            return None, Problem(
                reason=f"'{s}' is a missing-value mark, not a number", value=s,
                suggestion="delete the row: missing data is simply left out",
            )
        return None, Problem(
            reason=f"'{s}' {why}", value=s, suggestion="fix the cell or delete the row",
        )
    if ind is not None and value < 0 and is_count_type(ind):
        unit = f" ({ind.unit})" if ind.unit else ""
        return None, Problem(
            reason=f"{text.strip()} is negative, but {ind.code} counts something{unit}",
            value=text.strip(),
            suggestion="counts cannot be negative: fix the cell or delete the row",
        )
    return value, None


def resolve_unit(
    unit_id: str | None,
    unit_name: str | None,
    country: str | None,
    ind: Indicator,
    ctx: Context,
) -> tuple[str | None, Problem | None, str | None]:
    """The ``observations.unit_id`` for a row: a unit, or a country for country-level indicators.

    Returns ``(unit_id, problem, new_country)``; ``new_country`` is a well-formed ISO3 code
    the warehouse does not know yet (added when the import lands).
    """
    m = ctx.matcher
    if ind.level == "country":
        if unit_name:
            return None, Problem(
                reason=f"{ind.code} is a country-level indicator, but the row names the unit "
                f"'{unit_name}'",
                column="unit_name", value=unit_name,
                suggestion="leave unit_name empty and put the country code (e.g. BIH) in "
                "country or unit_id",
            ), None
        code = (unit_id or country or "").strip()
        col = "unit_id" if unit_id else "country"
        if not code:
            return None, Problem(
                reason=f"{ind.code} is a country-level indicator but the row gives no country",
                column="unit_id", suggestion="put the country code (e.g. BIH) in unit_id",
            ), None
        if m.find_id(code) and code.upper() not in ctx.countries:
            unit = m.units[m.find_id(code) or ""]
            return None, Problem(
                reason=f"{ind.code} is a country-level indicator, but '{code}' is a unit "
                f"({unit.name})",
                column=col, value=code,
                suggestion=f"use the country code {unit.country} instead",
            ), None
        return _country(code, col, ctx)
    # unit-level
    if unit_id:
        found = m.find_id(unit_id)
        if found:
            return found, None, None
        if unit_id.strip().upper() in ctx.countries:
            return None, Problem(
                reason=f"{ind.code} is measured per unit, but '{unit_id}' is a country code",
                column="unit_id", value=unit_id,
                suggestion="give one row per unit (unit_id), or use a country-level indicator",
            ), None
        close = m.suggest_ids(unit_id)
        hint = describe(close)
        return None, Problem(
            reason=f"unknown unit id '{unit_id}'", column="unit_id", value=unit_id,
            suggestion=(hint + " " if hint else "")
            + "use an id of an imported unit (boundaries), or unit_name and country",
        ), None
    if unit_name:
        ctry = country.strip().upper() if country else None
        if ctry and ctry not in ctx.countries:
            _, problem, _ = _country(ctry, "country", ctx, allow_new=False)
            return None, problem, None
        match = m.resolve(unit_name, ctry)
        if match.unit is not None:
            return match.unit.unit_id, None, None
        if match.reason == "ambiguous":
            return None, Problem(
                reason=f"unit name '{unit_name}' matches several units: "
                + ", ".join(f"{u.label()} in {u.country}" for u in match.candidates),
                column="unit_name", value=unit_name,
                suggestion="add a country column (or --country) or use unit_id",
            ), None
        where = f" in {ctry}" if ctry else ""
        hint = describe(match.candidates)
        return None, Problem(
            reason=f"unknown unit '{unit_name}'{where}", column="unit_name", value=unit_name,
            suggestion=(hint + " " if hint else "") + "correct the name or use unit_id",
        ), None
    return None, Problem(
        reason="the row names no unit", column="unit_id",
        suggestion="fill unit_id, or unit_name and country",
    ), None


def _country(
    code: str, column: str, ctx: Context, allow_new: bool = True
) -> tuple[str | None, Problem | None, str | None]:
    """A known country, or a new well-formed ISO3 code that is not a typo of a known one."""
    iso = code.strip().upper()
    if iso in ctx.countries:
        return iso, None, None
    close = [
        c for c, _s, _i in process.extract(iso, sorted(ctx.countries), scorer=fuzz.ratio,
                                           limit=3, score_cutoff=60)
    ]
    if ISO3_RE.match(iso) and allow_new and not close:
        return iso, None, iso
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    known = ", ".join(sorted(ctx.countries)) or "none yet"
    return None, Problem(
        reason=f"unknown country '{code}'", column=column, value=code,
        suggestion=f"{hint}use an ISO 3166 alpha-3 code; known countries: {known}",
    ), None
