"""One translation call for every user-facing string, on screen, in charts and in exports.

- ``t("key", **params)``: the text of ``key`` in the current language, ``{placeholders}`` filled.
- ``n("key", count, **params)``: a plural message (gettext ``ngettext`` semantics with the
  locale's Plural-Forms); ``{count}`` is filled with the locale-formatted count.

Catalogs are gettext ``.po`` files under ``locale/<lang>/LC_MESSAGES/messages.po`` with the key
as msgid (see README.md beside this file). The current language lives in a ``ContextVar``: each
Streamlit script run (one browser session) sets its own, so sessions never see each other's
language. A missing message falls back to English, then to the key, so a gap never breaks a page.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from indicators.i18n.catalogs import available_languages, messages
from indicators.i18n.languages import DEFAULT_LANG, LANGUAGES, normalise

__all__ = [
    "DEFAULT_LANG", "LANGUAGES", "available_languages", "current_language", "n",
    "normalise", "set_language", "t", "use_language",
]

_current: ContextVar[str] = ContextVar("i18n_language", default=DEFAULT_LANG)


def current_language() -> str:
    """The language of this context (script run, thread or task)."""
    return _current.get()


def set_language(lang: str | None) -> str:
    """Set the language of the current context (not process-wide); returns the code used."""
    code = normalise(lang) or DEFAULT_LANG
    _current.set(code)
    return code


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Run a block in ``lang`` (e.g. an export in another language), then restore."""
    token = _current.set(normalise(lang) or DEFAULT_LANG)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class _LocaleFormatter(string.Formatter):
    """``str.format`` whose float fields (``{x}``, ``{x:.2f}``, ``{x:,.1f}``) use the current
    language's decimal and grouping signs; integers without a format spec (years) are left as
    they are."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        text = format(value, format_spec)
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not is_number or (isinstance(value, int) and "," not in format_spec):
            return text
        from indicators.i18n.formatting import separators

        decimal, group = separators(self.lang)
        return text.translate({ord("."): "\0", ord(","): group}).replace("\0", decimal)


def _fill(text: str, params: dict[str, object], lang: str | None = None) -> str:
    if not params:
        return text
    try:
        out = _LocaleFormatter(lang or _current.get()).format(text, **params)
    except (KeyError, IndexError, ValueError, AttributeError):
        return text
    if any(isinstance(v, str) and v.endswith(".") for v in params.values()):
        out = re.sub(r"(?<!\.)\.\.(?!\.)", ".", out)  # "1. decembar 2026." + "." -> one
    return out


def t(key: str, lang: str | None = None, **params: object) -> str:
    """Translate ``key`` into ``lang`` (default: the current language), fill placeholders."""
    code = lang or _current.get()
    text = messages(code).singular.get(key)
    if text is None:
        text = messages(DEFAULT_LANG).singular.get(key, key)
    return _fill(text, params, code)


def n(key: str, count: int, lang: str | None = None, **params: object) -> str:
    """Plural message ``key`` for ``count`` (placeholders ``{count}`` and ``params``)."""
    from indicators.i18n.formatting import format_number

    code = lang or _current.get()
    for source in (code, DEFAULT_LANG):
        catalog = messages(source)
        forms = catalog.plural.get(key)
        if forms:
            index = catalog.plural_index(abs(int(count)))
            text = forms[index] if index < len(forms) and forms[index] else forms[-1]
            break
    else:
        text = key
    return _fill(text, {"count": format_number(count, lang=code), **params}, code)
