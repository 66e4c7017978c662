"""``python -m validation``: every case, model against observed; exit status 1 when a case is outside."""

import sys

from validation.published import CASES

cases = [case() for case in CASES]
for c in cases:
    print(c.line())
sys.exit(0 if all(c.within for c in cases) else 1)
