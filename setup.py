"""Build hook: compile the tagger's hot path with mypyc.

Everything else lives in pyproject.toml. The tagger and its text normalization are plain,
fully typed Python (``mypy --strict``); mypyc (mypy's own compiler, which also builds mypy
and black) turns the same source into a C extension about 2x faster. One small C module,
``processors/_models.c``, builds the tagger's pydantic models without validation. The source stays the
reference: ``WIREWATCH_PURE=1`` at install time skips the compilation, and
``processors/__init__`` falls back to the source when an extension is older than it.
"""

from __future__ import annotations

import os
from typing import cast

from setuptools import Extension, setup

# Modules compiled, each on its own (``separate``): their shared libraries then sit inside
# the package, where an editable install finds them.
COMPILED = ["processors/text.py", "processors/kb.py", "processors/tagger.py"]


def _extensions() -> list[Extension]:
    if os.environ.get("WIREWATCH_PURE") == "1":
        return []
    from mypyc.build import mypycify  # noqa: PLC0415 - a build-time dependency only

    built = mypycify(["--follow-imports=silent", *COMPILED], opt_level="3", separate=True)
    # Builds the tagger's Mention and Tag models without a Python call per slot (see the file).
    models = Extension("processors._models", ["processors/_models.c"])
    return [*cast("list[Extension]", list(built)), models]  # setuptools' Extension types


setup(ext_modules=_extensions())
