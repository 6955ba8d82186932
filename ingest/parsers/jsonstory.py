"""Plain JSON story objects, as stdin, the drop folder and the HTTP endpoint accept them.

One object, a list of objects, or JSON lines; each object is either a ninjs item (detected by
its fields) or a simple story::

    {"title": "...", "body": "...", "url": "...", "source": "...", "published_at": "2024-02-16T10:00:00Z"}

Optional: ``id``/``guid``, ``standfirst``, ``byline``, ``language``, ``version``, ``urgency``,
``pubstatus``, ``dateline``, ``embargoed_until``; ``html`` (a whole page) instead of ``body``.
The body may be scraped text: it goes through the same chrome cleaning and dateline detection as
plain text. ``published_at`` counts as metadata; a missing or future one falls back to ``now``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ingest.errors import ParseError
from ingest.normalize import content_hash, make_story, story_id
from ingest.parsers.html import extract_html
from ingest.parsers.markup import fragment_paragraphs, parse_iso_datetime
from ingest.parsers.ninjs import is_ninjs, parse_ninjs_item
from ingest.parsers.text import analyze_text, find_dateline
from schemas import DateSource, PubStatus

if TYPE_CHECKING:
    from datetime import datetime

    from schemas import Story

__all__ = ["load_json_objects", "parse_json"]


def load_json_objects(text: str, *, origin: str) -> list[Any]:
    """The JSON values of a document: one value (a list is flattened) or JSON lines."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise ParseError(f"invalid JSON: {exc}", origin=origin) from exc
        values: list[Any] = []
        for number, line in enumerate(lines, start=1):
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError as line_exc:
                raise ParseError(f"invalid JSON on line {number}: {line_exc}", origin=origin) from line_exc
        return values
    except RecursionError as exc:
        raise ParseError("JSON nested too deeply", origin=origin) from exc
    return value if isinstance(value, list) else [value]


def _str(obj: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _simple_story(obj: dict[str, Any], *, origin: str, now: datetime, source: str, url: str | None) -> Story:
    link = _str(obj, "url", "link") or url
    name = _str(obj, "source") or source
    title = _str(obj, "title", "headline")
    html_page = _str(obj, "html")
    body_text = _str(obj, "body", "text", "content", "body_text")
    if body_text is None and html_page is not None:
        page = extract_html(html_page.encode("utf-8"), url=link, now=now, source=name)
        if title is None:
            return page
        digest = content_hash(title, page.body)
        guid = _str(obj, "id", "guid", "uri")
        return page.model_copy(
            update={
                "title": title.strip(),
                "content_hash": digest,
                "id": story_id(guid=guid, url=page.url, content_hash_hex=digest),
            }
        )
    if body_text is None and title is None:
        raise ParseError("JSON story has neither title nor body", origin=origin)
    standfirst = _str(obj, "standfirst", "summary", "description")
    byline = _str(obj, "byline", "author")
    place = _str(obj, "dateline")
    dates: list[tuple[datetime | None, DateSource]] = [
        (parse_iso_datetime(obj.get("published_at") or obj.get("published")), DateSource.METADATA)
    ]
    paragraphs: list[str] = []
    if body_text is not None and body_text.lstrip().startswith("<"):
        paragraphs = fragment_paragraphs(body_text)
        if paragraphs and (found := find_dateline(paragraphs[0])) is not None:
            paragraphs[0] = found.rest
            place = place or found.place
    elif body_text is not None:
        # Scraped text: the same layout analysis as plain text (chrome, headline, dateline).
        parts = analyze_text(body_text, now=now, has_title=title is not None)
        if parts is not None:
            paragraphs = list(parts.paragraphs)
            title = title or parts.title
            standfirst = standfirst or parts.standfirst
            byline = byline or parts.byline
            place = place or parts.dateline
            dates.extend(parts.dates)
    status = str(obj.get("pubstatus") or "usable").lower()
    try:
        pubstatus = PubStatus(status)
    except ValueError:
        pubstatus = PubStatus.USABLE
    return make_story(
        title=title,
        standfirst=standfirst,
        body_paragraphs=paragraphs or [title or ""],
        guid=_str(obj, "id", "guid", "uri"),
        url=link,
        version=_int(obj.get("version")) or 1,
        pubstatus=pubstatus,
        byline=byline,
        language=_str(obj, "language", "lang"),
        dates=dates,
        dateline=place,
        urgency=_int(obj.get("urgency")),
        embargoed_until=parse_iso_datetime(obj.get("embargoed_until") or obj.get("embargoed")),
        now=now,
        source=name,
        fmt="json",
    )


def parse_json(text: str, *, origin: str, now: datetime, source: str, url: str | None = None) -> list[Story]:
    """Stories of a JSON document (simple stories and/or ninjs items); ParseError if none."""
    values = load_json_objects(text, origin=origin)
    stories: list[Story] = []
    for index, value in enumerate(values):
        if not isinstance(value, dict):
            raise ParseError(f"JSON item {index} is a {type(value).__name__}, not an object", origin=origin)
        if is_ninjs(value):
            story = parse_ninjs_item(value, now=now, source=_str(value, "source") or source, url=url)
            if story is None:
                raise ParseError(f"ninjs item {index} has neither headline nor body", origin=origin)
            stories.append(story)
        else:
            stories.append(_simple_story(value, origin=origin, now=now, source=source, url=url))
    if not stories:
        raise ParseError("JSON document holds no story", origin=origin)
    return stories
