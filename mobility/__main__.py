"""``python -m mobility`` runs the command-line interface (same as the ``mobility`` command).

SIGINT and SIGTERM are caught from the first line, so an interrupt while the
libraries load is one line too, never a traceback.
"""

import signal
import sys

_got: list[int] = []


def _stop(signum: int, _frame: object) -> None:
    _got.append(signum)
    raise KeyboardInterrupt(signum)


for _s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_s, _stop)
try:
    from mobility.cli import Interrupted, interrupted_exit, main
except (KeyboardInterrupt, ImportError) as _exc:
    if not _got and not isinstance(_exc, KeyboardInterrupt):
        raise
    _num = _got[-1] if _got else int(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print(f"mobility: interrupted ({signal.Signals(_num).name}); no output written", file=sys.stderr)
    raise SystemExit(128 + _num) from None
try:
    _code = main()
except KeyboardInterrupt as _exc:  # between the import and main's own handler
    _code = interrupted_exit(Interrupted(_exc.args[0] if _exc.args else int(signal.SIGINT)))
raise SystemExit(_code)
