"""Load the gettext catalogs (``locale/<dir>/LC_MESSAGES/messages.po``) once per process.

The catalogs are *monolingual*: the msgid is the message key (``nav.overview``), the msgstr is
the text. ``en`` is the source catalog. A message with an empty or fuzzy msgstr counts as
missing and falls back to English (gettext semantics). Plural messages carry
``msgid_plural`` equal to the key and one msgstr per plural form of the locale's
``Plural-Forms`` header.
"""

from __future__ import annotations

import gettext
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po

from indicators.i18n.languages import DEFAULT_LANG, LANGUAGES

I18N_DIR = Path(__file__).resolve().parent
LOCALE_DIR = I18N_DIR / "locale"
DOMAIN = "messages"


def po_path(lang: str, root: Path = LOCALE_DIR) -> Path:
    """Path of the catalog of ``lang`` (a code like ``sr-Cyrl``)."""
    folder = LANGUAGES[lang].dir if lang in LANGUAGES else lang.replace("-", "_")
    return root / folder / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass
class Messages:
    """One language's messages: singulars, plural forms and the plural rule."""

    lang: str
    singular: dict[str, str] = field(default_factory=dict)
    plural: dict[str, tuple[str, ...]] = field(default_factory=dict)
    plural_index: Callable[[int], int] = lambda n: 0 if n == 1 else 1


def parse(path: Path, lang: str) -> Messages:
    """Read one .po file into :class:`Messages` (fuzzy and empty entries are left out)."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=None, domain=DOMAIN)
    out = Messages(lang=lang)
    try:
        out.plural_index = gettext.c2py(catalog.plural_expr)
    except (ValueError, SyntaxError):  # a broken header: English rule rather than a crash
        pass
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if message.pluralizable:
            forms = tuple(str(s or "") for s in message.string)
            if any(forms):
                out.plural[str(message.id[0])] = forms
        elif message.string:
            out.singular[str(message.id)] = str(message.string)
    return out


_lock = threading.Lock()
_loaded: dict[str, Messages] = {}


def messages(lang: str) -> Messages:
    """The messages of ``lang``, read from disk the first time only (thread-safe)."""
    found = _loaded.get(lang)
    if found is not None:
        return found
    with _lock:
        found = _loaded.get(lang)
        if found is None:
            path = po_path(lang)
            found = parse(path, lang) if path.exists() else Messages(lang=lang)
            _loaded[lang] = found
    return found


def reload() -> None:
    """Forget loaded catalogs (tests and the sync script)."""
    with _lock:
        _loaded.clear()


def available_languages() -> list[str]:
    """Codes of the languages that have a catalog on disk (English always)."""
    return [code for code in LANGUAGES if code == DEFAULT_LANG or po_path(code).exists()]
