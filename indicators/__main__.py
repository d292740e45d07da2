"""``python -m indicators`` — see :mod:`indicators.cli`."""

import sys

from indicators.cli import main

sys.exit(main())
