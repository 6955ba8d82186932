"""``python -m wirewatch``: the same as the ``wirewatch`` console script."""

from wirewatch.cli import main

main()
