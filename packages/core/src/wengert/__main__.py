"""``python -m wengert ...`` runs the command line (same as the ``wengert`` script)."""

import sys

from wengert.cli import main

sys.exit(main())
