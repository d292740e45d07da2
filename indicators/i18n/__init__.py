"""One translation function for every user-facing string, on screen and in charts.

Catalogs are YAML files beside this module (``en.yaml``; other languages later), flat
``key: text`` maps with ``{placeholders}``. A missing key falls back to English, then to
the key itself, so a gap never breaks a page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

I18N_DIR = Path(__file__).resolve().parent
DEFAULT_LANG = "en"
_current = DEFAULT_LANG


@cache
def _catalog(lang: str) -> dict[str, str]:
    path = I18N_DIR / f"{lang}.yaml"
    if not path.exists():
        return {}
    return {str(k): str(v) for k, v in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()}


def available_languages() -> list[str]:
    """Language codes that have a catalog file."""
    return sorted(p.stem for p in I18N_DIR.glob("*.yaml"))


def set_language(lang: str) -> None:
    """Choose the language used by :func:`t` (process-wide default)."""
    global _current
    _current = lang if lang in available_languages() else DEFAULT_LANG


def t(key: str, lang: str | None = None, **params: object) -> str:
    """Translate ``key`` and fill ``{placeholders}`` from ``params``."""
    text = _catalog(lang or _current).get(key) or _catalog(DEFAULT_LANG).get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
