"""IPTC ninjs (JSON) 1.x and 2.x items.

1.x: ``headline``, ``description_text``, ``body_text``/``body_html``/``body_xhtml``, ``byline``,
``located``, ``place``. 2.x: ``headlines``/``descriptions``/``bodies`` lists with roles and content
types, ``bylines``, ``places``. Both: ``uri`` (``guid`` in some feeds), ``version`` (a string),
``pubstatus``, ``embargoed``, ``urgency``, ``language``, ``versioncreated``/``firstcreated``.

``published_at`` is ``versioncreated`` (when this version was released), else ``firstcreated``,
else ``contentcreated``. Canceled and withheld items still give a Story (pubstatus set) so the
retraction reaches the alerting stage; an embargo is recorded, not enforced (the source holds it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ingest.normalize import make_story
from ingest.parsers.markup import fragment_paragraphs, parse_iso_datetime, text_paragraphs
from ingest.parsers.text import find_dateline
from schemas import DateSource, PubStatus

if TYPE_CHECKING:
    from datetime import datetime

    from schemas import Story

__all__ = ["is_ninjs", "parse_ninjs_item"]

_NINJS_KEYS = frozenset(
    {
        *("headline", "headlines", "body_text", "body_html", "body_xhtml", "bodies", "versioncreated"),
        *("pubstatus", "firstcreated", "descriptions", "description_text"),
    }
)


def is_ninjs(obj: object) -> bool:
    """True for a JSON object that looks like a ninjs item (a uri/guid plus ninjs fields or schema)."""
    if not isinstance(obj, dict):
        return False
    schema = str(obj.get("$schema", "")).lower()
    if "ninjs" in schema:
        return True
    return ("uri" in obj or "guid" in obj) and bool(_NINJS_KEYS & obj.keys())


def _pick(
    items: object, *, roles: tuple[str, ...] = (), types: tuple[str, ...] = ()
) -> dict[str, Any] | None:
    """From a 2.x `[{value, role, contenttype}]` list: the first with a preferred role or type."""
    if not isinstance(items, list):
        return None
    dicts = [item for item in items if isinstance(item, dict) and isinstance(item.get("value"), str)]
    for role in roles:
        for item in dicts:
            if str(item.get("role", "")).lower().endswith(role):
                return item
    for kind in types:
        for item in dicts:
            if str(item.get("contenttype", "")).lower().startswith(kind):
                return item
    return dicts[0] if dicts else None


def _body(obj: dict[str, Any]) -> list[str]:
    if isinstance(obj.get("body_text"), str) and obj["body_text"].strip():
        return text_paragraphs(obj["body_text"])
    for key in ("body_html", "body_xhtml"):
        if isinstance(obj.get(key), str) and obj[key].strip():
            return fragment_paragraphs(obj[key])
    body = _pick(obj.get("bodies"), types=("text/plain", "text/html", "application/xhtml"))
    if body is not None:
        if str(body.get("contenttype", "")).lower().startswith("text/plain"):
            return text_paragraphs(body["value"])
        return fragment_paragraphs(body["value"])
    return []


def _byline(obj: dict[str, Any]) -> str | None:
    for key in ("byline", "by"):
        if isinstance(obj.get(key), str):
            return str(obj[key])
    bylines = obj.get("bylines")
    if isinstance(bylines, list):
        names = [str(b.get("byline") or b.get("name")) for b in bylines if isinstance(b, dict)]
        names = [n for n in names if n and n != "None"]
        return ", ".join(names) or None
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _pubstatus(value: object) -> PubStatus:
    text = str(value or "usable").lower().rsplit(":", 1)[-1]
    try:
        return PubStatus(text)
    except ValueError:
        return PubStatus.USABLE


def parse_ninjs_item(
    obj: dict[str, Any], *, now: datetime, source: str, url: str | None = None
) -> Story | None:
    """One Story from a ninjs object, or None when it has neither headline nor text."""
    headline = obj.get("headline")
    if not isinstance(headline, str):
        picked = _pick(obj.get("headlines"), roles=("main", "headline"))
        headline = picked["value"] if picked else None
    standfirst = obj.get("description_text")
    if not isinstance(standfirst, str):
        picked = _pick(obj.get("descriptions"), roles=("summary", "abstract", "standfirst", "teaser"))
        standfirst = " ".join(fragment_paragraphs(picked["value"])) if picked else None
    paragraphs = _body(obj)
    pubstatus = _pubstatus(obj.get("pubstatus"))
    if not paragraphs and not headline:
        return None
    if not paragraphs:
        # A retraction often carries only a headline; keep it so the alert can be withdrawn.
        paragraphs = [standfirst or headline or ""]
    located = obj.get("located") if isinstance(obj.get("located"), str) else None
    if paragraphs:
        dateline = find_dateline(paragraphs[0])
        if dateline is not None:
            paragraphs[0] = dateline.rest
            located = located or dateline.place
    embargo = obj.get("embargoed")
    link = url
    for key in ("link", "url", "webUrl"):
        if link is None and isinstance(obj.get(key), str):
            link = obj[key]
    return make_story(
        title=headline,
        standfirst=standfirst,
        body_paragraphs=paragraphs,
        guid=str(obj.get("uri") or obj.get("guid") or "") or None,
        url=link,
        version=_int(obj.get("version")) or 1,
        pubstatus=pubstatus,
        byline=_byline(obj),
        language=obj.get("language") if isinstance(obj.get("language"), str) else None,
        dates=[
            (parse_iso_datetime(obj.get(key)), DateSource.METADATA)
            for key in ("versioncreated", "firstcreated", "contentcreated")
        ],
        dateline=located,
        urgency=_int(obj.get("urgency")),
        embargoed_until=parse_iso_datetime(embargo),
        now=now,
        source=source,
        fmt="ninjs",
    )
