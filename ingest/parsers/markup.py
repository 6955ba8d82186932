"""Markup helpers shared by the agency and feed parsers: safe XML parsing, HTML fragments to paragraphs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lxml import etree, html

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["fragment_paragraphs", "local_name", "parse_iso_datetime", "safe_xml_parser", "text_paragraphs"]

_BLOCK_TAGS = frozenset(
    {
        *("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "section"),
        *("article", "dd", "dt", "figcaption", "header", "footer", "td", "th"),
    }
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe", "object"})
_LOOKS_HTML = re.compile(
    r"<\s*(?:p|div|br|span|h[1-6]|ul|ol|li|a|b|i|em|strong|blockquote|html|body)\b", re.IGNORECASE
)


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser that never touches the network, never expands entities, never loads a DTD."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def local_name(element: etree._Element) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _walk(element: etree._Element, out: list[list[str]]) -> None:
    name = local_name(element).lower()
    if name in _SKIP_TAGS:
        if element.tail:
            out[-1].append(element.tail)
        return
    block = name in _BLOCK_TAGS
    if block:
        out.append([])
    if element.text:
        out[-1].append(element.text)
    for child in element:
        _walk(child, out)
    if name == "br":
        out.append([])
    if block:
        out.append([])
    if element.tail:
        out[-1].append(element.tail)


def element_paragraphs(element: etree._Element) -> list[str]:
    """Paragraphs of an (X)HTML element tree: one per block element, inline text joined."""
    chunks: list[list[str]] = [[]]
    _walk(element, chunks)
    return [" ".join("".join(chunk).split()) for chunk in chunks if "".join(chunk).strip()]


def fragment_paragraphs(markup: str) -> list[str]:
    """Paragraphs of an HTML fragment (feed content, ninjs ``body_html``); plain text passes through."""
    if not _LOOKS_HTML.search(markup):
        return text_paragraphs(markup)
    try:
        root = html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return text_paragraphs(re.sub(r"<[^>]+>", " ", markup))
    return element_paragraphs(root)


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text: blank-line separated, or one per line when there are no blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [" ".join(part.split()) for part in parts if part.strip()]


def parse_iso_datetime(value: object) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` allowed) as an aware datetime; naive means UTC; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def iter_local(root: etree._Element, name: str) -> Iterator[etree._Element]:
    """Every descendant (and self) whose local tag name is ``name``."""
    for element in root.iter():
        if local_name(element) == name:
            yield element
