"""``python -m yaksok`` runs the CLI."""

import sys

from yaksok.cli import main

sys.exit(main())
