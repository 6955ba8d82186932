"""Build hook: compile the tagger's hot path and the query fast path with mypyc.

Everything else lives in pyproject.toml. The tagger and its text normalization are plain,
fully typed Python (``mypy --strict``); mypyc (mypy's own compiler, which also builds mypy
and black) turns the same source into C extensions about 2x faster. The source stays the
reference: ``WIREWATCH_PURE=1`` at install time skips the compilation, and ``processors/__init__``
and ``alerts/query/__init__`` fall back to the source when an extension is older than it
(:mod:`wirewatch.compiled`).
"""

from __future__ import annotations

import os
from typing import cast

from setuptools import Extension, setup

# Modules compiled, all in one group: calls between them stay native C calls (each module
# its own group, ``separate=True``, would make them calls through exported tables, and none
# could be inlined). The group's code is one shared library, ``wirewatch_tagger__mypyc*.so``,
# at the top of the tree (the repository root in an editable install, site-packages in a
# wheel): mypyc derives each module's ``__file__`` from where it sits. Each module gets a
# small shim extension beside its source. Keep in step with processors/_compiled.py and
# alerts/query/_compiled.py (COMPILED, GROUP), the Makefile and pyproject.toml ([tool.uv] cache-keys).
COMPILED = [
    "processors/text.py",
    "processors/kb.py",
    "processors/tagger.py",
    "processors/tagging/words.py",
    "processors/tagging/readings.py",
    "processors/tagging/scan.py",
    "processors/tagging/context.py",
    "processors/tagging/places.py",
    "processors/tagging/build.py",
    "processors/tagging/unresolved.py",
    "processors/tagging/name_words.py",
    "processors/tagging/name_claims.py",
    "processors/tagging/names_reader.py",
    "processors/tagging/name_cues.py",
    "processors/tagging/names.py",
]
GROUP = "wirewatch_tagger"
# The subscription index's query fast path (issue 17: filing 1M queries from their syntax is most of
# a cold build). A group of its own: nothing in it calls the tagger, and either can be rebuilt alone.
QUERY_COMPILED = [
    "alerts/query/fields.py",
    "alerts/query/fastparse.py",
    "alerts/query/parse.py",
]
QUERY_GROUP = "wirewatch_query"
# The event clusterer's per-story loops over tags, anchors and posting lists (issue 19). A group of
# its own, like the query's; keep in step with processors/cluster/_compiled.py.
CLUSTER_COMPILED = ["processors/cluster/anchors.py"]
CLUSTER_GROUP = "wirewatch_cluster"


def _extensions() -> list[Extension]:
    if os.environ.get("WIREWATCH_PURE") == "1":
        return []
    from mypyc.build import mypycify  # noqa: PLC0415 - a build-time dependency only

    tagger = mypycify(["--follow-imports=silent", *COMPILED], opt_level="3", group_name=GROUP)
    query = mypycify(["--follow-imports=silent", *QUERY_COMPILED], opt_level="3", group_name=QUERY_GROUP)
    cluster = mypycify(
        ["--follow-imports=silent", *CLUSTER_COMPILED], opt_level="3", group_name=CLUSTER_GROUP
    )
    return cast("list[Extension]", [*tagger, *query, *cluster])  # setuptools' Extension types


setup(ext_modules=_extensions())
