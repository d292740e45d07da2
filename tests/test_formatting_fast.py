"""The fast path of number formatting (small non-negative numbers, remembered percentages)
gives exactly what Babel gives, in every interface language."""

from __future__ import annotations

import random

import pytest
from babel import numbers as babel_numbers

from indicators.i18n import LANGUAGES
from indicators.i18n.formatting import babel_locale, format_number, format_percent

VALUES = [0, 0.0, 0.05, 0.15, 0.25, 0.35, 1.45, 2.5, 2.25, 9.95, 9.999, 10, 999.95, 999.4999,
          1e-7, 123456.789, -0.0, -2.35, 1000, 1500.5]


def _babel(value: float, digits: int, lang: str) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale(lang))


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_fast_numbers_equal_babel(lang: str):
    rng = random.Random(7)
    values = VALUES + [rng.uniform(0, 10) for _ in range(400)] + [rng.uniform(0, 1200)
                                                                   for _ in range(200)]
    values += [round(v, 3) for v in values] + [rng.randrange(0, 2000) for _ in range(100)]
    for digits in (0, 1, 2, 3):
        for value in values:
            assert format_number(value, digits, lang) == _babel(value, digits, lang), (value, digits)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_remembered_percentages_equal_babel(lang: str):
    locale = babel_locale(lang)
    for share in (0, 0.5, 0.873, 1.0, 0.0049, 0.125, 0.995):
        for _ in range(2):  # the second call is answered from memory
            expected = babel_numbers.format_percent(
                share, format=locale.percent_formats[None].pattern, locale=locale)
            assert format_percent(share, 0, lang) == expected
