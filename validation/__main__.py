"""``python -m validation``: every case, model against observed."""

from validation.published import CASES

for case in CASES:
    print(case().line())
