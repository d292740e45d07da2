#!/usr/bin/env bash
# Sets up whatever a fresh machine lacks: a Python 3.11 virtual environment in .venv with the
# pinned requirements, and a Chromium for static exports and browser tests.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.requirements.sha256"

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  PY=$(find_python) || { echo "setup: Python 3.11 or newer is required (python3.11 not found)." >&2; exit 1; }
  echo "setup: creating virtual environment $VENV with $PY"
  if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    # Debian/Ubuntu ship venv separately (python3-venv); install it when we may
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing python3-venv (apt-get)"
      rm -rf "$VENV"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PY" -m venv "$VENV"
    else
      echo "setup: '$PY -m venv' failed; install your system's venv package (e.g. sudo apt-get install python3-venv)." >&2
      exit 1
    fi
  fi
fi

want=$(sha256sum requirements.txt | cut -d' ' -f1)
have=$(cat "$STAMP" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "setup: installing pinned requirements (requirements.txt)"
  log=$(mktemp)
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt >"$log" 2>&1; then
    grep -v 'is ignored: it is neither a file nor a directory' "$log" >&2 || true
    echo "setup: pip install failed (see the messages above)." >&2
    exit 1
  fi
  rm -f "$log"
  echo "$want" > "$STAMP"
fi

# Chromium: exports (kaleido) and the browser tests (Playwright) use a system Chromium.
find_chromium() {
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  return 1
}
if ! find_chromium >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium and fonts (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  elif "$VENV/bin/python" -c 'import kaleido' 2>/dev/null &&
       "$VENV/bin/kaleido_get_chrome" -y >/dev/null 2>&1; then
    echo "setup: installed kaleido's own Chrome"
  else
    echo "setup: WARNING no Chromium found. Chart exports and browser tests need one:" >&2
    echo "       install it with 'sudo apt-get install chromium' (Debian/Ubuntu) and run again." >&2
  fi
fi

# Fonts: the PDF brief and the chart exports set text in DejaVu Sans (Latin with diacritics,
# Cyrillic, Albanian). Debian's fonts-dejavu-core; checked on its own, since a machine may
# have a Chromium without these fonts.
has_dejavu() {
  for d in /usr/share/fonts/truetype/dejavu /usr/share/fonts/dejavu /usr/share/fonts/TTF \
           /usr/local/share/fonts "${RISK_FONT_DIR:-/nonexistent}"; do
    if [ -f "$d/DejaVuSans.ttf" ] && [ -f "$d/DejaVuSans-Bold.ttf" ]; then return 0; fi
  done
  return 1
}
if ! has_dejavu; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing the DejaVu fonts for PDF briefs (apt-get install fonts-dejavu-core)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq fonts-dejavu-core >/dev/null
  else
    echo "setup: WARNING DejaVu Sans not found; PDF briefs need it:" >&2
    echo "       'sudo apt-get install fonts-dejavu-core' (Debian/Ubuntu) or set RISK_FONT_DIR." >&2
  fi
fi

# pdftoppm (poppler-utils) renders a brief to PNG in the tests that look at it.
if ! command -v pdftoppm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing poppler-utils (apt-get) for rendering PDF briefs in tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
  else
    echo "setup: note: pdftoppm (poppler-utils) not found; the brief-rendering test will be skipped." >&2
  fi
fi
