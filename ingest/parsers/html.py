"""HTML article pages: trafilatura for the main text and metadata, then our chrome cleaning.

trafilatura does the hard part (boilerplate removal, title, author, date via htmldate); we add:
comments never in the body, the same line-level chrome filter as plain text (scraped widgets
survive extraction on many sites), a precise publication timestamp from the page's own metadata
when it agrees with htmldate's day, and dates never taken from the future.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

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
    from collections.abc import Callable

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
# Page-level header and widget containers ("site-header", "headercontainer", "topbar"); a box's
# own header ("boxheader", "entryheader") is not one.
_WIDGET_CONTAINER = re.compile(
    r"(?<![a-z])header|masthead|top-?bar|navbar|weather|today|current-?date|date-?widget"
)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_TITLE_TAG = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||–|—|-|::|·|›|»|/)\s+")
_TYPOGRAPHY = str.maketrans(
    {"–": "-", "—": "-", "―": "-", "‒": "-", "…": "...", "„": '"', "«": '"', "»": '"'}
)
_TITLE_MAX = 300
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:view all posts by|all posts by|posted by|written by|by|von|vom|por|par)\s+"
    r"|(?:autor(?:in)?|author|автор|责任编辑|编辑)\s*[:：]\s*)",
    re.IGNORECASE,
)
_ORGANISATION = re.compile(r"\b(?:GmbH|AG|Ltd|Inc|LLC|S\.A\.|SE|e\.V\.)(?:\.|\b)")
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


def _markup_date(html: str, *, url: str | None, now: datetime) -> datetime | None:
    """The date htmldate finds in markup alone (meta tags, JSON-LD, <time>, URL), never in the text."""
    try:
        found = htmldate.find_date(
            html,
            url=url,
            original_date=True,
            extensive_search=False,
            max_date=now.astimezone(UTC).strftime("%Y-%m-%d"),
        )
    except (ValueError, TypeError):  # htmldate rejects inputs it cannot read with these
        return None
    return _day(found)


def _page_dates(
    html: str, found: str | None, *, url: str | None, now: datetime
) -> list[tuple[datetime | None, DateSource]]:
    """The page's publication date candidates from htmldate's answer (``found``, extensive search).

    The extensive search also reads the page text, where date widgets live. When the markup alone
    gives no date, the answer came from the text: it is kept as TEXT unless it is a widget date —
    within two days of ``now`` (a widget shows the day the page was fetched, i.e. today for live
    ingestion; ``now`` is then as good) or shown in the page's header/navigation (archived pages).
    """
    day = _day(found)
    if day is None:
        return []
    if _markup_date(html, url=url, now=now) is not None:
        return [(_precise_timestamp(html, day) or day, DateSource.METADATA)]
    if abs((now - day).total_seconds()) < 2 * 86_400 or day.date() in _widget_days(html, now=now):
        return []
    return [(day, DateSource.TEXT)]


def _widget_days(html: str, *, now: datetime) -> set[date]:
    """Days shown by date widgets: date-only text before the headline, in the page's header/navigation.

    An archived page keeps the widget date of the day it was saved, so the two-day rule is not
    enough for it. An article's own date line sits with the article (after the <h1>, or in a box
    header that is not the page's), so only text before the first <h1> counts.
    """
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"))
    except (etree.ParserError, ValueError):
        return set()
    days: set[date] = set()
    for element in tree.iter():
        if element.tag == "h1":
            break
        for piece in (element.text, element.tail):
            text = (piece or "").strip()
            if not text or not is_date_line(text):
                continue
            holder = element if piece is element.text else element.getparent()
            if holder is not None and _in_page_header(holder) and (found := parse_date_text(text, now=now)):
                days.add(found.date())
    return days


def _in_page_header(element: Any) -> bool:
    for node in (element, *element.iterancestors()):
        if node.tag in {"header", "nav"}:
            return True
        marker = f"{node.get('class', '')} {node.get('id', '')}".lower()
        if _WIDGET_CONTAINER.search(marker):
            return True
    return False


def _headings(html: str) -> list[str]:
    """Text of the page's first few <h1> elements (a regex: the page is already parsed by trafilatura)."""
    found: list[str] = []
    for match in _H1.finditer(html[:500_000]):
        text = " ".join(unescape(_TAG.sub(" ", match.group(1))).split())
        if text and len(text) <= _TITLE_MAX:
            found.append(text)
        if len(found) >= 5:
            break
    return found


def _loose(text: str) -> str:
    return fold(text).translate(_TYPOGRAPHY)


def _choose_title(title: str | None, sitename: str | None, html: str, url: str | None) -> str | None:
    """The article's headline: trafilatura's title, checked against the page's <h1>.

    ``<title>`` usually carries the site name ("Headline | Site") and sometimes a section; the
    <h1> is the headline as printed. So: an <h1> that matches the title or one of its
    separator-delimited parts wins (keeping the page's typography); else a known site name or a
    part naming the host is dropped. An <h1> naming the site (a logo) is never used. When
    trafilatura's title names the site, the page's <title> gets the same chance to match an <h1>.
    """
    host = (urlsplit(url).hostname or "") if url else ""
    label = host.removeprefix("www.").split(".")[0].replace("-", "")

    def names_site(text: str) -> bool:
        key = _loose(text)
        squeezed = key.replace(" ", "").replace("-", "")
        return bool(sitename and key == _loose(sitename)) or (len(label) >= 4 and label in squeezed)

    headings = [h for h in _headings(html) if not names_site(h)]
    candidates = [title] if title else []
    if (not title or names_site(title)) and (match := _TITLE_TAG.search(html[:200_000])):
        page_title = " ".join(unescape(_TAG.sub(" ", match.group(1))).split())
        if page_title and page_title != title:
            candidates.append(page_title)
    for candidate in candidates:
        if fold(candidate) in {fold(h) for h in headings}:
            return candidate
        key = _loose(candidate)
        parts = _TITLE_SEPARATORS.split(candidate)
        part_keys = {
            _loose(" - ".join(parts[i:j])) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
        }
        for heading in headings:
            loose = _loose(heading)
            in_parts = len(parts) > 1 and loose in part_keys
            if loose == key or in_parts or (len(heading) >= 15 and loose in key):
                return heading
    if not candidates:
        return headings[0] if headings else None
    stripped = [_strip_site(candidate, sitename, names_site) for candidate in candidates]
    return next((c for c in stripped if not names_site(c)), stripped[0])


def _strip_site(title: str, sitename: str | None, names_site: Callable[[str], bool]) -> str:
    """The title without a leading or trailing part that names the site."""
    if sitename:
        for sep in _SITE_SEPARATORS:
            head, _, tail = title.rpartition(sep)
            if head and _loose(tail) == _loose(sitename):
                return head.strip()
            first, _, rest = title.partition(sep)
            if rest and _loose(first) == _loose(sitename):
                return rest.strip()
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        keep = [part for part in parts if not names_site(part)]
        if keep and len(keep) < len(parts):
            return " - ".join(keep)
    return title


def _clean_byline(author: str | None, sitename: str | None) -> str | None:
    """The author trafilatura found, without widget prefixes ("View all posts by") or publishers."""
    if not author:
        return None
    names = []
    for part in author.split(";"):
        name = _BYLINE_PREFIX.sub("", part.strip()).strip(" :,")
        if not name or _ORGANISATION.search(name) or (sitename and _loose(name) == _loose(sitename)):
            continue
        names.append(name)
    return "; ".join(names) or None


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
            # As trafilatura's defaults; a date found only in the page text is vetted in _page_dates.
            "extensive_search": True,
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
    html, _ = decode_bytes(data, media_type=media_type, strict=True, origin=origin)
    try:
        doc = extract_html_text(html, url=url, now=now, chrome=chrome)
    except (ValueError, TypeError, LookupError, AttributeError) as exc:
        # trafilatura/lxml raise these on pathological markup; the message says which.
        raise ParseError(f"HTML extraction failed: {exc}", origin=origin) from exc
    if doc is None or not doc.text.strip():
        raise ParseError("no article text found in the HTML page", origin=origin)
    paragraphs = doc.text.split("\n")
    title = _choose_title(doc.title, doc.sitename, html, url or doc.url)
    if paragraphs and title and fold(paragraphs[0]) == fold(title):
        paragraphs = paragraphs[1:]
    standfirst = doc.description
    if standfirst and (len(standfirst) > 400 or fold(doc.text).startswith(fold(standfirst)[:80])):
        standfirst = None
    dates = _page_dates(html, doc.date, url=url, now=now)
    return make_story(
        title=title,
        standfirst=standfirst,
        body_paragraphs=paragraphs or [doc.text],
        byline=_clean_byline(doc.author, doc.sitename),
        language=None,
        dates=dates,
        now=now,
        source=source,
        url=url or doc.url,
        fmt="html",
    )
