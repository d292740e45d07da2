"""The production preset of the dashboard server (``python -m ui.serve --production``).

:func:`production_options` returns the Streamlit options (no streamlit import here):

============================== ================ ===============================================
option                         value            why
============================== ================ ===============================================
server.headless                true             no browser is opened on the server
browser.gatherUsageStats       false            no usage statistics leave the server
server.enableXsrfProtection    true             uploads and sign-in need the XSRF token
server.enableCORS              true             (required with XSRF protection)
server.maxUploadSize           RISK_MAX_UPLOAD_MB  the server itself refuses larger uploads
                                                (413) before the app sees them
server.fileWatcherType         none             no source watching / reloading in production
server.runOnSave               false
server.allowRunOnSave          false
server.address                 127.0.0.1        only the reverse proxy (TLS) talks to it
server.enableStaticServing     true             the offline base map (static/)
client.toolbarMode             viewer           no developer menu
client.showErrorDetails        none             no tracebacks shown to visitors
global.developmentMode         false
logger.level                   info
============================== ================ ===============================================

and, outside Streamlit's options: **read-only public mode** (``RISK_READ_ONLY=1``: no editor
sign-in at all, unless ``--editors``) and **logging to a file** (``--log-file``, default
``$RISK_LOG_FILE`` or ``data/logs/dashboard.log``). Options given on the command line win.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_LOG = Path(__file__).resolve().parents[2] / "data" / "logs" / "dashboard.log"


def upload_limit_mb(env: Mapping[str, str] | None = None) -> int:
    """``RISK_MAX_UPLOAD_MB`` as whole megabytes (default 50, at least 1)."""
    from indicators.ingest.editor import DEFAULT_MAX_UPLOAD_MB

    env = os.environ if env is None else env
    try:
        mb = float(env.get("RISK_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB))
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    return max(1, int(mb))


def production_options(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Streamlit ``--section.option`` values of the production preset."""
    return {
        "server.headless": "true",
        "browser.gatherUsageStats": "false",
        "server.enableXsrfProtection": "true",
        "server.enableCORS": "true",
        "server.maxUploadSize": str(upload_limit_mb(env)),
        "server.fileWatcherType": "none",
        "server.runOnSave": "false",
        "server.allowRunOnSave": "false",
        "server.address": "127.0.0.1",
        "server.enableStaticServing": "true",
        "client.toolbarMode": "viewer",
        "client.showErrorDetails": "none",
        "global.developmentMode": "false",
        "logger.level": "info",
    }


def log_file(env: Mapping[str, str] | None = None) -> Path:
    """Where the production server logs (``$RISK_LOG_FILE`` or ``data/logs/dashboard.log``)."""
    env = os.environ if env is None else env
    return Path(env.get("RISK_LOG_FILE") or DEFAULT_LOG)
