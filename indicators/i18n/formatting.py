"""Locale-aware numbers, percentages and dates (Babel/CLDR), for screens, charts and briefs.

All functions take an optional ``lang`` (interface code like ``sr-Cyrl``); by default the
current language of the context. Examples in Bosnian: ``format_decimal(5.1)`` -> ``5,1``,
``format_percent(0.873)`` -> ``87 %``, ``format_date(date(2026, 12, 1))`` -> ``1. 12. 2026.``
(short) or ``1. decembar 2026.`` (long).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from indicators.i18n.languages import DEFAULT_LANG, LANGUAGES


def _lang(lang: str | None) -> str:
    if lang:
        return lang
    from indicators.i18n import current_language

    return current_language()


@cache
def babel_locale(lang: str) -> Locale:
    """The Babel locale behind an interface language."""
    spec = LANGUAGES[lang].babel if lang in LANGUAGES else LANGUAGES[DEFAULT_LANG].babel
    return Locale.parse(spec)


def _missing(value: object) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


@cache
def _decimal_symbol(lang: str) -> str:
    return babel_numbers.get_decimal_symbol(babel_locale(lang))


_QUANTUM = [Decimal(1).scaleb(-d) for d in range(10)]


def format_number(value: float | int | None, digits: int = 0, lang: str | None = None) -> str:
    """A number with the locale's grouping and decimal separators and ``digits`` decimals."""
    if _missing(value):
        return "–"
    code = _lang(lang)
    if (type(value) in (int, float) and 0 <= value < 1000 and digits < len(_QUANTUM)
            and not str(value).startswith("-")):
        # Fast path, same result as Babel (Decimal(str(v)), round half even, no grouping
        # below 1,000): maps and tables format thousands of small numbers per view.
        rounded = Decimal(str(value)).quantize(_QUANTUM[digits])
        if rounded < 1000:  # 999.95 rounds to 1,000, which is grouped
            text = f"{rounded:f}"
            return text.replace(".", _decimal_symbol(code)) if digits else text
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale(code))


def format_significant(value: float | None, digits: int = 4, lang: str | None = None) -> str:
    """Like ``f"{value:.4g}"`` (``digits`` significant digits, no trailing zeros), localised."""
    if _missing(value):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    if number == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(number))))
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return babel_numbers.format_decimal(round(number, decimals), format=pattern,
                                        locale=babel_locale(_lang(lang)))


def format_signed(value: float | None, digits: int = 2, lang: str | None = None) -> str:
    """A change with its sign: ``+0,35`` / ``−1,20`` (the minus sign, not a hyphen)."""
    if _missing(value):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    sign = "+" if number > 0 else ("−" if number < 0 else "±")
    return sign + format_number(abs(number), digits, lang)


def format_decimal(value: float | None, digits: int = 1, lang: str | None = None) -> str:
    """``5.1`` -> ``5,1`` in comma locales (``digits`` decimals, grouped thousands)."""
    return format_number(value, digits=digits, lang=lang)


def format_score(value: float | None, lang: str | None = None) -> str:
    """A 0–10 score as shown to users: ``5,1 / 10``."""
    if _missing(value):
        return "–"
    return f"{format_decimal(value, 1, lang)} / 10"


def format_percent(share: float | None, digits: int = 0, lang: str | None = None) -> str:
    """A share (0–1) as a locale percentage (``87 %`` in BCMS, ``87%`` in English)."""
    if _missing(share):
        return "–"
    if type(share) in (int, float):  # shares repeat (coverage): remember each formatted one
        return _percent_cached(share, digits, _lang(lang))
    return _percent(share, digits, _lang(lang))


@lru_cache(maxsize=8192)
def _percent_cached(share: float, digits: int, lang: str) -> str:
    return _percent(share, digits, lang)


def _percent(share: float, digits: int, lang: str) -> str:
    locale = babel_locale(lang)
    pattern = locale.percent_formats[None].pattern  # e.g. "#,##0 %" (bs) or "#,##0%" (en)
    if digits > 0:
        pattern = re.sub(r"0(?=[^0-9#.]*%)", "0." + "0" * digits, pattern, count=1)
    return babel_numbers.format_percent(share, format=pattern, locale=locale)


def format_date(value: dt.date | dt.datetime | str | None, form: str = "long",
                lang: str | None = None) -> str:
    """A date in the locale's ``short``/``medium``/``long`` form (``1. decembar 2026.``)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    return babel_dates.format_date(value, format=form, locale=babel_locale(_lang(lang)))


def format_datetime(value: dt.datetime | None, lang: str | None = None) -> str:
    """Date and time (minutes) in the locale's medium form."""
    if value is None:
        return "–"
    return babel_dates.format_datetime(value, format="medium", locale=babel_locale(_lang(lang)))


def separators(lang: str | None = None) -> str:
    """Plotly ``layout.separators`` for the locale: decimal then thousands (``",."`` in BCMS)."""
    symbols = babel_locale(_lang(lang)).number_symbols.get("latn", {})
    decimal = symbols.get("decimal", ".")
    group = symbols.get("group", ",")
    if group in ("\u00a0", "\u202f"):  # plotly draws any character; keep a thin no-break space
        group = "\u202f"
    return f"{decimal}{group}"


def month_names(lang: str | None = None, width: str = "wide") -> dict[int, str]:
    """Stand-alone month names (1–12) in the locale."""
    return dict(babel_locale(_lang(lang)).months["stand-alone"][width])
