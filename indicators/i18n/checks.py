"""Checks of the catalogs, used by the tests (tests/test_i18n.py) and usable on any folder.

Each function takes the ``locale`` folder (default: the package's) so a test can run it on a
deliberately broken copy and see it fail.
"""

from __future__ import annotations

import gettext
import io
import os
import shutil
import subprocess
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from indicators.i18n.catalogs import LOCALE_DIR, po_path
from indicators.i18n.languages import DEFAULT_LANG, GENERATED, LANGUAGES
from indicators.i18n.sync import placeholders
from indicators.i18n.translit import to_cyrillic


def _read(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, domain="messages", abort_invalid=True)


def _key(message) -> str:
    return message.id[0] if message.pluralizable else message.id


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if message.pluralizable else (message.string,)


def english_keys(root: Path = LOCALE_DIR) -> dict[str, tuple[str, ...]]:
    """key -> English text(s) of the source catalog."""
    return {_key(m): _strings(m) for m in _read(po_path(DEFAULT_LANG, root)) if m.id}


def missing(lang: str, root: Path = LOCALE_DIR) -> list[str]:
    """Keys of the English catalog with no usable translation (absent, empty, fuzzy or with an
    empty plural form) in ``lang``."""
    catalog = _read(po_path(lang, root))
    out = []
    for key in english_keys(root):
        message = catalog.get(key)
        if message is None or message.fuzzy or not all(_strings(message)):
            out.append(key)
    return out


def placeholder_mismatches(lang: str, root: Path = LOCALE_DIR) -> list[str]:
    """Keys whose translation's ``{placeholders}`` differ from the English text's."""
    english = english_keys(root)
    out = []
    for message in _read(po_path(lang, root)):
        key = _key(message) if message.id else None
        if not key or key not in english:
            continue
        want = set().union(*(placeholders(s) for s in english[key])) - {"count"}
        for text in _strings(message):
            if text and placeholders(text) - {"count"} != want:
                out.append(key)
                break
    return out


def compile_errors(path: Path) -> list[str]:
    """Problems that stop ``path`` from compiling to a .mo gettext can load (empty = fine)."""
    try:
        catalog = _read(path)
    except Exception as exc:  # noqa: BLE001 - any parse error is the finding
        return [f"{path}: does not parse: {exc}"]
    errors = []
    nplurals = catalog.num_plurals
    for message in catalog:
        if message.pluralizable and len(message.string) != nplurals:
            errors.append(f"{_key(message)}: {len(message.string)} plural forms, "
                          f"header says {nplurals}")
    buf = io.BytesIO()
    try:
        write_mo(buf, catalog)
        buf.seek(0)
        gettext.GNUTranslations(buf)
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{path}: does not compile: {exc}")
    msgfmt = shutil.which("msgfmt")  # GNU gettext, when installed: the reference compiler
    if msgfmt:
        done = subprocess.run([msgfmt, "--check", "-o", os.devnull, str(path)],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            errors.append(f"{path}: msgfmt --check: {done.stderr.strip()[:500]}")
    return errors


def cyrillic_out_of_sync(root: Path = LOCALE_DIR) -> list[str]:
    """Keys whose generated Cyrillic text is not the transliteration of the Latin source."""
    out = []
    for target, source in GENERATED.items():
        latin = {_key(m): _strings(m) for m in _read(po_path(source, root)) if m.id}
        cyr = {_key(m): _strings(m) for m in _read(po_path(target, root)) if m.id}
        for key in sorted(set(latin) | set(cyr)):
            want = tuple(to_cyrillic(s) for s in latin.get(key, ()))
            if cyr.get(key) != want:
                out.append(f"{target}:{key}")
    return out


def translated_languages(root: Path = LOCALE_DIR) -> list[str]:
    """Languages other than English that have a catalog under ``root``."""
    return [c for c in LANGUAGES if c != DEFAULT_LANG and po_path(c, root).exists()]
