"""``python -m tests.policy_cases OUTDIR``: write every broken policy case out as a file."""

import sys

from tests.policy_cases import main

raise SystemExit(main(sys.argv[1:]))
