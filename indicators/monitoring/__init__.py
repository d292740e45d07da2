"""The coalition monitoring kit: the themes members monitor, mapped onto the indicator catalog.

``themes.yaml`` (beside this module) groups catalog indicators into themes and adds what the
fixed catalog schema has no field for: counting rules, whether an indicator can be recorded
as an incident log, and suggested sources. :func:`load_themes` validates it against the
catalog (every code must exist); :func:`documentation` joins both into one table per indicator
(definition, counting rules, unit, per capita, direction, level, FoA numbers, sources).

Siblings: :mod:`indicators.monitoring.templates` (CSV/XLSX templates),
:mod:`indicators.monitoring.incidents` (editor-only incident logs) and
:mod:`indicators.monitoring.calendar` (the trigger calendar, FoA risk factor 8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from indicators.catalog import Indicator, load_catalog

MONITORING_DIR = Path(__file__).resolve().parent
THEMES_YAML = MONITORING_DIR / "themes.yaml"


class ThemeError(ValueError):
    """``themes.yaml`` does not validate (the message says where)."""


@dataclass(frozen=True)
class SuggestedSource:
    """Where members can find the data; ``url`` only where we are sure of it."""

    name: str
    url: str = ""

    def text(self) -> str:
        """``"Name (url)"`` or ``"Name"``."""
        return f"{self.name} ({self.url})" if self.url else self.name


@dataclass(frozen=True)
class ThemeIndicator:
    """One catalog indicator as the monitoring kit documents it."""

    code: str
    counting: tuple[str, ...]
    incident_log: bool
    sources: tuple[SuggestedSource, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Theme:
    """A monitoring theme: title, description and its indicators."""

    id: str
    title: str
    description: str
    indicators: tuple[ThemeIndicator, ...]

    @property
    def codes(self) -> list[str]:
        """The catalog codes of this theme, in document order."""
        return [i.code for i in self.indicators]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ThemeError(f"{where}: expected a non-empty text, got {value!r}")
    return " ".join(value.split())


def load_themes(
    path: str | Path = THEMES_YAML, catalog: dict[str, Indicator] | None = None
) -> dict[str, Theme]:
    """Themes keyed by id, validated: every code exists in ``catalog`` and appears once."""
    catalog = load_catalog() if catalog is None else catalog
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    raw = data.get("themes")
    if not isinstance(raw, list) or not raw:
        raise ThemeError(f"{Path(path).name}: expected a list 'themes'")
    themes: dict[str, Theme] = {}
    seen: set[str] = set()
    for k, item in enumerate(raw):
        where = f"themes[{k}]"
        if not isinstance(item, dict):
            raise ThemeError(f"{where}: expected a mapping")
        tid = _text(item.get("id"), f"{where}.id")
        if tid in themes:
            raise ThemeError(f"{where}: duplicate theme id {tid!r}")
        inds = []
        for j, ind in enumerate(item.get("indicators") or []):
            w = f"{where}.indicators[{j}]"
            code = _text(ind.get("code"), f"{w}.code")
            if code not in catalog:
                raise ThemeError(f"{w}: {code!r} is not in the indicator catalog")
            if code in seen:
                raise ThemeError(f"{w}: {code!r} appears in more than one theme")
            seen.add(code)
            counting = tuple(_text(c, f"{w}.counting") for c in ind.get("counting") or [])
            if not counting:
                raise ThemeError(f"{w}: counting rules are missing")
            if not isinstance(ind.get("incident_log"), bool):
                raise ThemeError(f"{w}: incident_log must be true or false")
            sources = tuple(
                SuggestedSource(_text(s.get("name"), f"{w}.sources"), str(s.get("url") or ""))
                for s in ind.get("sources") or []
            )
            if not sources:
                raise ThemeError(f"{w}: suggested sources are missing")
            inds.append(ThemeIndicator(code, counting, ind["incident_log"], sources))
        if not inds:
            raise ThemeError(f"{where}: a theme needs at least one indicator")
        themes[tid] = Theme(
            id=tid,
            title=_text(item.get("title"), f"{where}.title"),
            description=_text(item.get("description"), f"{where}.description"),
            indicators=tuple(inds),
        )
    return themes


def theme_of(code: str, themes: dict[str, Theme] | None = None) -> str | None:
    """The id of the theme an indicator belongs to, or None."""
    for theme in (themes or load_themes()).values():
        if code in theme.codes:
            return theme.id
    return None


def incident_categories(themes: dict[str, Theme] | None = None) -> list[str]:
    """Catalog codes that members may record as incident logs."""
    return [i.code for th in (themes or load_themes()).values() for i in th.indicators
            if i.incident_log]


DOC_COLUMNS = [
    "theme", "theme_title", "code", "title", "definition", "counting_rules", "unit",
    "per_capita", "direction", "level", "risk_factor", "foa_indicators", "incident_log",
    "suggested_sources", "catalog_source",
]


def documentation(
    themes: dict[str, Theme] | None = None, catalog: dict[str, Indicator] | None = None
) -> pd.DataFrame:
    """One row per monitored indicator: theme, definition, counting rules, unit, per capita,
    direction, level, FoA numbers, whether it can be logged as incidents, suggested sources."""
    catalog = load_catalog() if catalog is None else catalog
    themes = themes or load_themes(catalog=catalog)
    rows = []
    for th in themes.values():
        for ti in th.indicators:
            ind = catalog[ti.code]
            rows.append({
                "theme": th.id,
                "theme_title": th.title,
                "code": ind.code,
                "title": ind.title,
                "definition": ind.description,
                "counting_rules": " ".join(ti.counting),
                "unit": ind.unit,
                "per_capita": ind.per_capita,
                "direction": "risk-raising" if ind.direction == 1 else "mitigating",
                "level": ind.level,
                "risk_factor": ind.risk_factor,
                "foa_indicators": ", ".join(ind.foa_indicators),
                "incident_log": ti.incident_log,
                "suggested_sources": "; ".join(s.text() for s in ti.sources),
                "catalog_source": ind.source,
            })
    return pd.DataFrame(rows, columns=DOC_COLUMNS)
