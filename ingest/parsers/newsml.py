"""IPTC NewsML-G2: a ``newsItem``, a ``newsMessage`` or a ``packageItem`` with several newsItems.

Every text ``newsItem`` in the document gives one Story (pictures and other items without text
are skipped). Elements are matched by local name, so any NewsML-G2 namespace version works.
Parsed with a safe lxml parser: no network, no entity expansion, no DTD; a truncated or
malformed document is rejected as a whole rather than half-ingested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from ingest.errors import ParseError
from ingest.normalize import make_story
from ingest.parsers.markup import (
    element_paragraphs,
    iter_local,
    local_name,
    parse_iso_datetime,
    safe_xml_parser,
    text_paragraphs,
)
from ingest.parsers.text import find_dateline
from schemas import DateSource, PubStatus

if TYPE_CHECKING:
    from datetime import datetime

    from schemas import Story

__all__ = ["parse_newsml"]

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _first(element: etree._Element, *names: str) -> etree._Element | None:
    for name in names:
        for found in iter_local(element, name):
            return found
    return None


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(str(t) for t in element.itertext()).split())
    return text or None


def _pubstatus(item: etree._Element) -> PubStatus:
    status = _first(item, "pubStatus")
    qcode = (status.get("qcode") or status.get("literal") or "") if status is not None else ""
    try:
        return PubStatus(qcode.rsplit(":", 1)[-1].lower() or "usable")
    except ValueError:
        return PubStatus.USABLE


def _body(item: etree._Element) -> list[str]:
    content_set = _first(item, "contentSet")
    if content_set is None:
        return []
    for inline in content_set:
        name = local_name(inline)
        if name == "inlineXML":
            # XHTML has <body>; NITF inside inlineXML keeps its text in <body.content>.
            body = _first(inline, "body.content")
            body = body if body is not None else _first(inline, "body")
            return element_paragraphs(body if body is not None else inline)
        if name == "inlineData":
            return text_paragraphs(inline.text or "")
    return []


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _item_story(item: etree._Element, *, now: datetime, source: str, url: str | None) -> Story | None:
    item_class = _first(item, "itemClass")
    qcode = (item_class.get("qcode") or "") if item_class is not None else ""
    if qcode and not qcode.endswith(("text", "composite")):
        return None  # pictures, graphics, video: nothing to read
    paragraphs = _body(item)
    headline = _text(_first(item, "headline"))
    standfirst = _text(_first(item, "description"))
    slugline = _text(_first(item, "slugline"))
    pubstatus = _pubstatus(item)
    if not paragraphs and not headline:
        return None
    if not paragraphs:
        paragraphs = [standfirst or headline or ""]
    located = _text(_first(item, "located"))
    dateline_el = _text(_first(item, "dateline"))
    found = find_dateline(paragraphs[0])
    if found is not None:
        paragraphs[0] = found.rest
        located = located or found.place
    if located is None and dateline_el:
        located = dateline_el.split(",", 1)[0].strip() or None
    language = item.get(_XML_LANG)
    lang_el = _first(item, "language")
    if lang_el is not None and lang_el.get("tag"):
        language = lang_el.get("tag")
    creator = _first(item, "by") or _first(item, "creator")
    byline = _text(creator)
    if byline:
        byline = byline.removeprefix("By ").removeprefix("by ")
    link = url
    link_el = _first(item, "link")
    if link is None and link_el is not None and (link_el.get("href") or "").startswith("http"):
        link = link_el.get("href")
    return make_story(
        title=headline or slugline,
        standfirst=standfirst,
        body_paragraphs=paragraphs,
        guid=item.get("guid"),
        url=link,
        version=_int(item.get("version")) or 1,
        pubstatus=pubstatus,
        byline=byline,
        language=language,
        dates=[
            (parse_iso_datetime(_text(_first(item, name))), DateSource.METADATA)
            for name in ("versionCreated", "firstCreated", "contentCreated")
        ],
        dateline=located,
        urgency=_int(_text(_first(item, "urgency"))),
        embargoed_until=parse_iso_datetime(_text(_first(item, "embargoed"))),
        now=now,
        source=source,
        fmt="newsml",
    )


def parse_newsml(
    data: bytes, *, origin: str, now: datetime, source: str, url: str | None = None
) -> list[Story]:
    """Stories of every text newsItem in a NewsML-G2 document; ParseError when malformed or empty."""
    try:
        root = etree.fromstring(data, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed NewsML-G2 XML: {exc}", origin=origin) from exc
    if root is None:
        raise ParseError("empty NewsML-G2 document", origin=origin)
    items = list(iter_local(root, "newsItem"))
    if not items:
        kind = local_name(root)
        reason = (
            "NewsML-G2 package holds only references, no newsItems"
            if kind == "packageItem"
            else f"no newsItem in NewsML-G2 document (root <{kind}>)"
        )
        raise ParseError(reason, origin=origin)
    stories = [s for item in items if (s := _item_story(item, now=now, source=source, url=url)) is not None]
    if not stories:
        raise ParseError("no text newsItem in NewsML-G2 document", origin=origin)
    return stories
