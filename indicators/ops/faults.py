"""Pause points for crash tests: ``RISK_PAUSE_AT=<point>`` makes a process stop at that point.

A test starts an import in a child process with ``RISK_PAUSE_AT`` set, waits until the
process reports that it reached the point (a line ``PAUSED <point>`` on stderr and, when
``RISK_PAUSE_SIGNAL`` names a file, that file), kills it with SIGKILL and then checks the
warehouse. Without the variable a pause point costs one dictionary lookup.

Points (in the order an import passes them): ``stage.reading`` (the file is being copied to
the staging folder; used with ``RISK_PAUSE_FOR`` to change a file while it is read),
``import.validated`` (checked, nothing locked),
``publish.locked`` (writer lock held), ``publish.copied`` (private copy made),
``publish.written`` (data written into the copy), ``publish.originals`` (original files
kept), ``publish.checkpointed`` (copy complete, before the atomic rename) and
``publish.replaced`` (renamed, before cleaning up).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ENV = "RISK_PAUSE_AT"
SIGNAL_ENV = "RISK_PAUSE_SIGNAL"
#: With ``RISK_PAUSE_FOR=<seconds>`` the process waits that long and then goes on.
FOR_ENV = "RISK_PAUSE_FOR"
POINTS: tuple[str, ...] = (
    "stage.reading", "import.validated", "publish.locked", "publish.copied", "publish.written",
    "publish.originals", "publish.checkpointed", "publish.replaced",
)


def pause_point(name: str) -> None:
    """Stop here for good (until killed) when ``$RISK_PAUSE_AT`` equals ``name`` (or for
    ``$RISK_PAUSE_FOR`` seconds)."""
    if os.environ.get(ENV) != name:
        return
    print(f"PAUSED {name} pid={os.getpid()}", file=sys.stderr, flush=True)
    signal_file = os.environ.get(SIGNAL_ENV)
    if signal_file:
        Path(signal_file).write_text(name, encoding="utf-8")
    seconds = os.environ.get(FOR_ENV)
    if seconds:
        time.sleep(float(seconds))
        return
    while True:  # pragma: no cover - the test kills the process here
        time.sleep(3600)
