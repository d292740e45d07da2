"""The languages the app speaks: codes, names in their own language, Babel locales, scripts.

Language codes are BCP 47 tags as they appear in the URL (``?lang=sr-Cyrl``); catalogs live in
``locale/<dir>/LC_MESSAGES/messages.po`` where ``<dir>`` is the code with ``_`` for ``-``
(``sr_Cyrl``), the spelling Babel, Poedit and Weblate use.

Montenegrin (``cnr``) is not offered: CLDR (and so Babel) has no locale data of its own for it;
``babel.Locale.parse("cnr")`` silently returns ``sr_Latn_ME`` (Serbian, Latin, Montenegro),
whose name, month names and formats are Serbian. See indicators/i18n/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANG = "en"


@dataclass(frozen=True)
class Language:
    """One language of the interface."""

    code: str  # BCP 47, as in the URL
    name: str  # in its own language, as shown in the selector
    babel: str  # Babel/CLDR locale identifier for numbers, dates, plurals
    script: str  # "Latn" or "Cyrl": how unit names are written

    @property
    def dir(self) -> str:
        """Catalog folder name under locale/ (``sr_Cyrl``)."""
        return self.code.replace("-", "_")


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "en", "Latn"),
        Language("bs", "Bosanski", "bs", "Latn"),
        Language("hr", "Hrvatski", "hr", "Latn"),
        Language("sr-Latn", "Srpski", "sr_Latn", "Latn"),
        Language("sr-Cyrl", "Српски", "sr_Cyrl", "Cyrl"),
        Language("mk", "Македонски", "mk", "Cyrl"),
        Language("sq", "Shqip", "sq", "Latn"),
    )
}

#: Generated catalogs: target code -> source code (transliterated, never edited by hand).
GENERATED = {"sr-Cyrl": "sr-Latn"}


def normalise(code: str | None) -> str | None:
    """Map a URL value or a browser locale (``sr-RS``, ``sr_Latn``, ``mk-MK``) to a language code.

    Returns None when nothing matches. A bare Serbian tag maps to Latin unless it names Cyrillic
    or Serbia's default (``sr``, ``sr-RS`` are Cyrillic in CLDR, but the interface offers both:
    a bare ``sr`` picks Cyrillic like CLDR does).
    """
    if not code:
        return None
    raw = str(code).strip().replace("_", "-")
    if not raw:
        return None
    for known in LANGUAGES:
        if raw.lower() == known.lower():
            return known
    parts = raw.split("-")
    base = parts[0].lower()
    rest = {p.lower() for p in parts[1:]}
    if base == "sr":
        if "latn" in rest:
            return "sr-Latn"
        if "cyrl" in rest:
            return "sr-Cyrl"
        return "sr-Cyrl" if not rest or rest & {"rs", "ba", "xk"} else "sr-Latn"
    if base == "cnr":  # no Montenegrin catalog: the closest ijekavian one with "opština"
        return "bs"
    if base in LANGUAGES:
        return base
    return None
