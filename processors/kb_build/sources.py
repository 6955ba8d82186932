"""What the build steps share: where the open data is, its snapshot commits, the JSON they write.

The open data (never committed) is extracted by ``deploy/kb-sources.sh MIRRORS`` into
``../shared/kb-sources``, one folder a source, each with a ``SOURCE.txt`` naming the repository
and the commit it was read at (``owner/repo @ <40 hex>: paths``). A generated table names that
commit in its ``_doc``, so the same sources give the same bytes and say which they were.
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parents[3] / "shared" / "kb-sources"
_COMMIT = re.compile(r"@ ([0-9a-f]{40})\b")
_EXTRACT = "deploy/kb-sources.sh MIRRORS"


class SourceError(RuntimeError):
    """The extracted sources are not there, or do not say which commit they are."""


def commit(source: Path, folder: str) -> str:
    """The commit that ``source/folder`` was extracted at, as its ``SOURCE.txt`` says."""
    path = source / folder / "SOURCE.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        msg = f"{path} is missing: extract the sources first ({_EXTRACT}, see the README's 'Knowledge')"
        raise SourceError(msg) from exc
    found = _COMMIT.search(text)
    if found is None:
        msg = f"{path} names no commit ('owner/repo @ <40 hex>: paths'): extract it again with {_EXTRACT}"
        raise SourceError(msg)
    return found.group(1)


def write_json(
    doc: dict[str, Any], out: Path, *, indent: int | None = 0, compact: bool = True, sort_keys: bool = False
) -> None:
    """Write a generated table: UTF-8 as it is, a newline at the end (compact: no space after ':')."""
    separators = (",", ":") if compact else None
    text = json.dumps(doc, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)
    out.write_text(text + "\n", encoding="utf-8")


def source_arg(argv: list[str] | None, description: str | None) -> Path:
    """The ``--source DIR`` of a build step's command line (default: ``SOURCE``), which must exist."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0] if description else None)
    parser.add_argument("--source", type=Path, default=SOURCE, help="the extracted sources (kb-sources)")
    source: Path = parser.parse_args(argv).source
    if not source.is_dir():
        msg = f"{source} is missing: extract the sources first ({_EXTRACT}, see the README's 'Knowledge')"
        raise SourceError(msg)
    return source


def wrote(actors: list[dict[str, Any]], out: Path) -> str:
    """A build step's line of output for an actor table: how many actors of each type, and aliases."""
    kinds = Counter(a["type"] for a in actors)
    aliases = sum(len(a["aliases"]) for a in actors)
    return f"wrote {len(actors)} actors ({dict(sorted(kinds.items()))}) to {out}; {aliases} aliases"


def slug(name: str) -> str:
    """An ASCII id part: "Bolloré SE" -> "bollore-se"."""
    from processors.text import normalize_key  # noqa: PLC0415 - sources.py stays free of the runtime's imports

    folded = unicodedata.normalize("NFKD", normalize_key(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
