"""``python -m mobility`` runs the command-line interface (same as the ``mobility`` command)."""

from mobility.cli import main

raise SystemExit(main())
