"""Start the dashboard: ``python -m ui.serve [--production [--editors] [--log-file PATH]]
[streamlit options]``.

Same as ``streamlit run dashboard.py``, except that Streamlit's legacy automatic discovery of
the ``pages/`` folder is switched off before the first run, so the very first page load already
uses the navigation declared in ``dashboard.py`` (with plain ``streamlit run`` the first load
of a fresh server shows the file-name navigation once).

``--production`` applies the safe server options of :mod:`indicators.ops.preset` (headless, no
usage statistics, XSRF protection, upload limit = ``RISK_MAX_UPLOAD_MB``, no file watcher,
localhost only), the read-only public mode (no editor sign-in; ``--editors`` allows it) and
logging to a file. Streamlit options given explicitly (``--server.port 8502``) win.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

ENTRY = Path(__file__).resolve().parent.parent / "dashboard.py"


def _take_flag(args: list[str], flag: str) -> bool:
    if flag in args:
        args.remove(flag)
        return True
    return False


def _take_value(args: list[str], flag: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            value = args[i + 1]
            del args[i:i + 2]
            return value
        if arg.startswith(flag + "="):
            del args[i]
            return arg.split("=", 1)[1]
    return None


def _log_to_file(path: Path) -> None:
    """Send stdout, stderr (Streamlit's own log lines, tracebacks) and logging to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def production_argv(args: list[str]) -> list[str]:
    """The Streamlit options of the preset, minus those the user gave explicitly."""
    from indicators.ops.preset import production_options

    given = {a.split("=", 1)[0].lstrip("-") for a in args if a.startswith("--")}
    out = []
    for key, value in production_options().items():
        if key not in given:
            out.append(f"--{key}={value}")
    return out


#: Modules every page needs, imported once at server start (in the background) rather than
#: by the first reader's script run: a freshly started server then answers its first view
#: without paying ~2 s of imports (pandas, geopandas, plotly, the core). Set
#: RISK_NO_PRELOAD=1 to skip.
PRELOAD = ("pandas", "geopandas", "plotly.graph_objects", "duckdb", "indicators.views",
           "indicators.scoring.engine", "indicators.scoring.uncertainty",
           "indicators.scoring.alerts", "indicators.figures.maps", "indicators.figures.ranks",
           "indicators.figures.trends", "indicators.export.charts", "indicators.measures",
           "indicators.comparability", "ui.shell", "ui.data", "ui.downloads", "ui.calendar",
           "ui.components")


def preload() -> None:
    """Import :data:`PRELOAD` in a daemon thread (errors are left to the first page run), then
    move everything allocated so far into the collector's permanent generation (``gc.freeze``):
    the ~170,000 objects of the libraries are never rescanned by later collections."""
    if os.environ.get("RISK_NO_PRELOAD"):
        return
    import gc
    import importlib
    import threading

    def run() -> None:
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a failing import shows on the page instead
                return
        gc.collect()
        gc.freeze()

    threading.Thread(target=run, name="preload", daemon=True).start()


def main() -> None:
    """Run the Streamlit server on dashboard.py with the given extra options."""
    args = sys.argv[1:]
    if _take_flag(args, "--production"):
        from indicators.ops.preset import log_file

        editors = _take_flag(args, "--editors")
        log_path = Path(_take_value(args, "--log-file") or log_file())
        if not editors:
            os.environ["RISK_READ_ONLY"] = "1"
        args = production_argv(args) + args
        _log_to_file(log_path)
        logging.getLogger("indicators.serve").info(
            "production preset: %s; editor sign-in %s; log file %s", " ".join(args),
            "allowed" if editors else "off (read-only public mode)", log_path)
    PagesManager.uses_pages_directory = False
    preload()
    sys.argv = ["streamlit", "run", str(ENTRY), *args]
    cli.main()


if __name__ == "__main__":
    main()
