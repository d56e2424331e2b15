"""``python -m levkit``: the same as the ``levkit`` command."""

from levkit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
