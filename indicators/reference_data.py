"""Reference data every warehouse carries: the FoA framework, the indicator catalog, sources."""

from __future__ import annotations

from typing import Any

from indicators.catalog import load_catalog, store_catalog
from indicators.framework import load_framework
from indicators.sources import load_sources, store_sources


def load_reference(con: Any) -> dict[str, int]:
    """Write framework, catalog and source metadata into an open read-write warehouse."""
    load_framework(con)
    n_ind = store_catalog(con, load_catalog(), origin="catalog")
    n_src = store_sources(con, load_sources())
    return {"indicators": n_ind, "sources": n_src}
