"""Start the dashboard: ``python -m ui.serve [streamlit options]``.

Same as ``streamlit run dashboard.py``, except that Streamlit's legacy automatic discovery of
the ``pages/`` folder is switched off before the first run, so the very first page load already
uses the navigation declared in ``dashboard.py`` (with plain ``streamlit run`` the first load
of a fresh server shows the file-name navigation once).
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

ENTRY = Path(__file__).resolve().parent.parent / "dashboard.py"


def main() -> None:
    """Run the Streamlit server on dashboard.py with the given extra options."""
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(ENTRY), *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
