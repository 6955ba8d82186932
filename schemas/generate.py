"""Generate the JSON Schema files downstream consumers read: ``python -m schemas.generate``.

``--check`` exits non-zero when the files on disk differ from the models (CI and a test use it).
It writes the AsyncAPI document (``schemas/asyncapi.yaml``, :mod:`schemas.asyncapi`) too.
``--release`` keeps the current schemas as a snapshot under ``schemas/released/<version>/``
(refused when they break the previous snapshot of the same major version: :mod:`schemas.compat`).
The published schemas are open (no ``additionalProperties: false``): consumers must tolerate
new optional fields, the one change allowed within a major version.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from schemas import asyncapi, compat
from schemas.models import Alert, DeadLetter, EnrichedStory, Message, Story, Subscription

OUT = Path(__file__).with_name("json")
ASYNCAPI = Path(__file__).with_name("asyncapi.yaml")
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
        schema = compat.open_content(model.model_json_schema(mode="serialization"))
        schema["$id"] = f"https://wirewatch.dev/schemas/{name}.json"
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[f"{name}.json"] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out


def drift(directory: Path = OUT, asyncapi_file: Path = ASYNCAPI) -> list[str]:
    """The schema files (and the AsyncAPI document) that are missing or differ from the models."""
    stale = [
        n
        for n, text in render().items()
        if not (directory / n).exists() or (directory / n).read_text() != text
    ]
    if not asyncapi_file.exists() or asyncapi_file.read_text() != asyncapi.render():
        stale.append(f"../{asyncapi_file.name}")
    return stale


def main(argv: list[str]) -> int:
    """Write the files, or with ``--check`` report drift."""
    if "--check" in argv:
        stale = drift()
        for name in stale:
            path = f"schemas/{name.removeprefix('../')}" if name.startswith("../") else f"schemas/json/{name}"
            sys.stderr.write(f"{path} is out of date: run python -m schemas.generate\n")
        return 1 if stale else 0
    if "--release" in argv:
        if problems := compat.check_released(render()):
            sys.stderr.write(
                "not released, these changes break consumers:\n  " + "\n  ".join(problems) + "\n"
            )
            return 1
        sys.stdout.write(f"released {compat.release()}\n")
    OUT.mkdir(exist_ok=True)
    for name, text in render().items():
        (OUT / name).write_text(text)
    ASYNCAPI.write_text(asyncapi.render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
