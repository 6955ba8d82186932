"""HTML article pages: trafilatura for the main text and metadata, then our chrome cleaning.

trafilatura does the hard part (boilerplate removal, title, author, date via htmldate); we add:
comments never in the body, the same line-level chrome filter as plain text (scraped widgets
survive extraction on many sites), a precise publication timestamp from the page's own metadata
when it agrees with htmldate's day, and dates never taken from the future.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import htmldate
import lxml.html
import trafilatura
from lxml import etree

from ingest.chrome import ChromeFilter, default_filter, fold, is_date_line
from ingest.errors import ParseError
from ingest.normalize import make_story
from ingest.parsers.decode import decode_bytes
from ingest.parsers.text import parse_date_text
from schemas import DateSource

if TYPE_CHECKING:
    from schemas import Story

__all__ = ["extract_html", "extract_html_text"]

# Machine-readable publication timestamps in the page's own metadata (OpenGraph/article, JSON-LD,
# <time datetime>). Only trusted when htmldate found the same day: htmldate is the judge of which
# date is the article's; these only add the time of day.
_META_TIMESTAMP = re.compile(
    r"""(?:article:published_time["']\s+content|"datePublished"\s*:|<time[^>]+datetime)\s*=?\s*["']"""
    r"""(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)""",
    re.IGNORECASE,
)
_WIDGET_CONTAINER = re.compile(r"header|masthead|top-?bar|navbar|weather|today|current-?date|date-?widget")
_SITE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ")


def _precise_timestamp(html: str, day: datetime) -> datetime | None:
    for match in _META_TIMESTAMP.finditer(html[:300_000]):
        try:
            value = datetime.fromisoformat(match.group(1))
        except ValueError:
            continue
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value.date() == day.date():
            return value
    return None


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)  # htmldate gives a bare day
    except ValueError:
        return None


def _text_date(html: str, *, url: str | None, now: datetime) -> datetime | None:
    """Fallback when the markup has no date: htmldate's extensive search of the page text.

    The page text includes widgets, and a date widget shows the day it was scraped, i.e. today
    for live ingestion. A text date within a day of ``now`` is therefore dropped (``now`` with
    INGEST is then just as accurate); older ones are kept, marked as TEXT.
    """
    try:
        found = htmldate.find_date(
            html,
            url=url,
            original_date=True,
            extensive_search=True,
            max_date=now.astimezone(UTC).strftime("%Y-%m-%d"),
        )
    except (ValueError, TypeError):  # htmldate rejects inputs it cannot read with these
        return None
    day = _day(found)
    if day is None or abs((now - day).total_seconds()) < 2 * 86_400:
        return None
    if day.date() in _widget_days(html, now=now):
        return None
    return day


def _widget_days(html: str, *, now: datetime) -> set[date]:
    """Days shown by date widgets: date-only text in the page header, navigation or top bars.

    An archived page keeps the widget date of the day it was saved, so the two-day rule above is
    not enough for it; an article's own date line sits in the article, not in these containers.
    """
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"))
    except (etree.ParserError, ValueError):
        return set()
    days: set[date] = set()
    for container in tree.iter("header", "nav", "div", "ul", "section"):
        marker = f"{container.tag} {container.get('class', '')} {container.get('id', '')}".lower()
        if container.tag not in {"header", "nav"} and not _WIDGET_CONTAINER.search(marker):
            continue
        for piece in container.itertext():
            text = str(piece).strip()
            if is_date_line(text) and (found := parse_date_text(text, now=now)) is not None:
                days.add(found.date())
    return days


def _strip_site_name(title: str | None, sitename: str | None) -> str | None:
    """Drop a trailing or leading "| Site name" that trafilatura left in the title."""
    if not title or not sitename:
        return title
    site = fold(sitename)
    for sep in _SITE_SEPARATORS:
        if sep in title:
            head, _, tail = title.rpartition(sep)
            if head and fold(tail) == site:
                return head.strip()
            first, _, rest = title.partition(sep)
            if rest and fold(first) == site:
                return rest.strip()
    return title


def _extract(html: str, *, url: str | None, now: datetime, favor_recall: bool) -> Any:
    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_recall=favor_recall,
        date_extraction_params={
            "original_date": True,
            # Extensive search scans the whole page text for dates, which is how widget dates
            # ("Thursday, April 18, 2024") get picked up; metadata and markup only.
            "extensive_search": False,
            "max_date": now.astimezone(UTC).strftime("%Y-%m-%d"),
        },
    )


def extract_html_text(
    html: str, *, url: str | None, now: datetime, chrome: ChromeFilter | None = None
) -> Any:
    """Run trafilatura and return its Document (or None) with chrome lines removed from ``text``."""
    doc = _extract(html, url=url, now=now, favor_recall=False)
    if doc is None or not (doc.text or "").strip():
        # Short pages fall under trafilatura's precision thresholds; ask again favouring recall.
        doc = _extract(html, url=url, now=now, favor_recall=True)
    if doc is None:
        return None
    lines = (chrome or default_filter()).clean((doc.text or "").split("\n"))
    doc.text = "\n".join(line for line in lines if line.strip())
    return doc


def extract_html(
    data: bytes,
    *,
    url: str | None,
    now: datetime,
    source: str,
    media_type: str | None = None,
    chrome: ChromeFilter | None = None,
) -> Story:
    """One Story from an HTML page; raises ParseError when no article text can be found."""
    origin = url or source
    html, _ = decode_bytes(data, media_type=media_type)
    try:
        doc = extract_html_text(html, url=url, now=now, chrome=chrome)
    except (ValueError, TypeError, LookupError, AttributeError) as exc:
        # trafilatura/lxml raise these on pathological markup; the message says which.
        raise ParseError(f"HTML extraction failed: {exc}", origin=origin) from exc
    if doc is None or not doc.text.strip():
        raise ParseError("no article text found in the HTML page", origin=origin)
    paragraphs = doc.text.split("\n")
    title = _strip_site_name(doc.title, doc.sitename)
    if paragraphs and title and fold(paragraphs[0]) == fold(title):
        paragraphs = paragraphs[1:]
    standfirst = doc.description
    if standfirst and (len(standfirst) > 400 or fold(doc.text).startswith(fold(standfirst)[:80])):
        standfirst = None
    dates: list[tuple[datetime | None, DateSource]] = []
    day = _day(doc.date)
    if day is not None:
        dates.append((_precise_timestamp(html, day) or day, DateSource.METADATA))
    else:
        dates.append((_text_date(html, url=url, now=now), DateSource.TEXT))
    return make_story(
        title=title,
        standfirst=standfirst,
        body_paragraphs=paragraphs or [doc.text],
        byline=doc.author,
        language=None,
        dates=dates,
        now=now,
        source=source,
        url=url or doc.url,
        fmt="html",
    )
