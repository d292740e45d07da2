"""Links into the public dashboard (same URL filters as ``ui.filters``) and to the feeds.

The dashboard's public address comes from ``$RISK_PUBLIC_URL`` or ``public_url`` in the
``[outreach]`` section of ``.streamlit/secrets.toml``; without either, links point to
``http://localhost:8501`` (fine on the editor's own machine only; set it for production).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlencode

ENV_VAR = "RISK_PUBLIC_URL"
DEFAULT_URL = "http://localhost:8501"
SECRETS = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml"
#: Where Streamlit serves the project's ``static/`` folder (``server.enableStaticServing``).
STATIC_PREFIX = "app/static"


def public_url() -> str:
    """The dashboard's public base URL, without a trailing slash."""
    url = os.environ.get(ENV_VAR, "")
    if not url and SECRETS.is_file():
        try:
            url = str(tomllib.loads(SECRETS.read_text(encoding="utf-8")).get("outreach", {})
                      .get("public_url", ""))
        except tomllib.TOMLDecodeError:
            url = ""
    return (url or DEFAULT_URL).rstrip("/")


def _url(path: str, params: list[tuple[str, str]]) -> str:
    query = urlencode(params)
    return f"{public_url()}/{path}" + (f"?{query}" if query else "")


def overview_url(countries: Iterable[str] = (), period: int | None = None) -> str:
    """The overview map filtered to ``countries`` (all when empty) and ``period``."""
    params = [("countries", c) for c in countries]
    if period is not None:
        params.append(("period", str(period)))
    return _url("", params)


def trends_url(countries: Iterable[str] = (), period: int | None = None) -> str:
    """The trends page filtered to ``countries``."""
    params = [("countries", c) for c in countries]
    if period is not None:
        params.append(("period", str(period)))
    return _url("trends", params)


def profile_url(unit_id: str, period: int | None = None) -> str:
    """A municipality's profile page for ``period``."""
    params = [("unit", unit_id)]
    if period is not None:
        params.append(("period", str(period)))
    return _url("profile", params)


def feed_url(country: str | None = None) -> str:
    """Public URL of the Atom feed of ``country`` (ISO3) or of the whole region."""
    from .feed import feed_file_name

    return f"{public_url()}/{STATIC_PREFIX}/feeds/{feed_file_name(country)}"
