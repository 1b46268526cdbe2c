"""``python -m tests.policy.cases OUTDIR``: write every broken policy case out as a file."""

import sys

from tests.policy.cases import main

raise SystemExit(main(sys.argv[1:]))
