"""Source metadata: one YAML per source in this folder (publisher, URL, licence, citation).

Modules for downloading real sources (issue: real-data pack) live beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SOURCES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Source:
    """Who publishes a dataset, where, and under which licence."""

    id: str
    title: str
    publisher: str = ""
    url: str = ""
    licence: str = ""
    citation: str = ""
    version: str = ""
    retrieved: str | None = None
    fictional: bool = False
    visibility: str = "public"


def load_sources(directory: Path = SOURCES_DIR) -> dict[str, Source]:
    """Load every source YAML of ``directory`` keyed by id (files holding an ``id``; tables
    such as ``layers.yaml`` live beside them and are skipped)."""
    out: dict[str, Source] = {}
    for path in sorted(directory.glob("*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "id" not in data:
            continue
        src = Source(**{k: ("" if v is None and k not in ("retrieved",) else v) for k, v in data.items()})
        out[src.id] = src
    return out


def store_sources(con: Any, sources: dict[str, Source] | list[Source]) -> int:
    """Insert or replace source rows in the warehouse ``sources`` table."""
    items = list(sources.values()) if isinstance(sources, dict) else list(sources)
    for s in items:
        con.execute(
            "INSERT OR REPLACE INTO sources (id, title, publisher, url, licence, citation, retrieved, "
            "checksum, version, fictional, visibility) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            [s.id, s.title, s.publisher, s.url, s.licence, s.citation, s.retrieved or None,
             s.version, s.fictional, s.visibility],
        )
    return len(items)
