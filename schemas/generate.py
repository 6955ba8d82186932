"""Generate the JSON Schema files downstream consumers read: ``python -m schemas.generate``.

``--check`` exits non-zero when the files on disk differ from the models (CI and a test use it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from schemas.models import Alert, DeadLetter, EnrichedStory, Message, Story, Subscription

OUT = Path(__file__).with_name("json")
PUBLIC: dict[str, type[Message]] = {
    "story": Story,
    "enriched-story": EnrichedStory,
    "subscription": Subscription,
    "alert": Alert,
    "dead-letter": DeadLetter,
}


def render() -> dict[str, str]:
    """File name → JSON Schema text, for every public message."""
    out: dict[str, str] = {}
    for name, model in PUBLIC.items():
        schema = model.model_json_schema(mode="serialization")
        schema["$id"] = f"https://wirewatch.dev/schemas/{name}.json"
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[f"{name}.json"] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out


def drift(directory: Path = OUT) -> list[str]:
    """The schema files that are missing or differ from the models."""
    return [
        n
        for n, text in render().items()
        if not (directory / n).exists() or (directory / n).read_text() != text
    ]


def main(argv: list[str]) -> int:
    """Write the files, or with ``--check`` report drift."""
    if "--check" in argv:
        stale = drift()
        for name in stale:
            sys.stderr.write(f"schemas/json/{name} is out of date: run python -m schemas.generate\n")
        return 1 if stale else 0
    OUT.mkdir(exist_ok=True)
    for name, text in render().items():
        (OUT / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
