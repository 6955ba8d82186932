"""Plain-text wire copy and scraped article text.

Layout we expect (the seed story is the canonical input)::

    <page chrome: widgets, buttons>          dropped (ingest.chrome)
    Headline                                 -> title
    Standfirst (one line, no final stop)     -> standfirst
    By Jane Doe                              -> byline
    MOSCOW, Feb 16 (Reuters) - First para... -> dateline "MOSCOW", date Feb 16, stripped from body
    More paragraphs...                       -> body
    <tail: related articles, comment form>   cut (ingest.chrome)

Paragraphs are separated by blank lines; within a block, lines are joined when the copy is
hard-wrapped (wire copy at ~70 columns) and kept apart when every line is its own paragraph
(scraped text often has no blank lines at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ingest.chrome import ChromeFilter, default_filter
from ingest.normalize import make_story
from schemas import DateSource

if TYPE_CHECKING:
    from schemas import Story

__all__ = [
    "Dateline",
    "TextParts",
    "analyze_text",
    "find_dateline",
    "parse_date_text",
    "parse_text",
    "split_paragraphs",
]

_UPPER = "A-ZÀ-ÖØ-ÞА-ЯЁЄІЇҐ"
_DATELINE = re.compile(
    rf"""^(?P<place>[{_UPPER}][{_UPPER}'’.\- ]{{1,40}}?)
    (?:,\s*(?P<region>[{_UPPER}][a-zà-ÿа-яёєії]+(?:\s[{_UPPER}][a-zà-ÿа-яёєії]+){{0,2}}))?
    (?:,\s*(?P<date>[^()\-–—\n,]{{0,16}}?\d[^()\-–—\n,]{{0,16}}?))?
    \s*(?:\((?P<agency>[^()\n]{{1,40}})\))?
    \s*\.?\s*(?P<sep>--?|[–—]|:)\s*""",
    re.VERBOSE,
)
_BYLINE = re.compile(
    r"^(?:by|por|par|von|di|door|автор|від|от)\s*:?\s+(?P<name>[^\d\n]{3,80})$",
    re.IGNORECASE,
)
_PUBLISHED = re.compile(
    r"^(?:published|posted|updated|publicado|actualizado|publié|mis à jour|veröffentlicht|aktualisiert|"
    r"опубликовано|обновлено|опубліковано|оновлено|pubblicato|aggiornato)\s*(?:on|el|le|am|il|в|о)?\s*:?\s*"
    r"(?P<date>.{6,60})$",
    re.IGNORECASE,
)
# The agency trailer "(Reporting by A and B; Writing by C; Editing by D)": credits, not story text.
_TRAILER = re.compile(
    r"^\(?\s*(?:(?:additional\s+)?reporting|writing|compiled|editing)\s+by\s+(?P<credits>[^()]{3,300}?)\s*\)?$",
    re.IGNORECASE,
)
_TERMINAL = (".", "!", "?", "…", '"', "”", "»", "'", ")", ":")
_TITLE_MAX = 300
_STANDFIRST_MAX = 400
_WRAP_MAX = 80


@dataclass(frozen=True)
class Dateline:
    """A dateline found at the start of a paragraph."""

    place: str
    date_text: str | None
    agency: str | None
    rest: str


def find_dateline(paragraph: str) -> Dateline | None:
    """Parse ``MOSCOW, Feb 16 (Reuters) - ...`` / ``BRUSSELS (AP) — ...`` at a paragraph's start."""
    match = _DATELINE.match(paragraph)
    if match is None:
        return None
    place = match.group("place").strip(" .-")
    letters = [ch for ch in place if ch.isalpha()]
    if len(letters) < 3 or place != place.upper():
        return None
    agency, date_text, sep = match.group("agency"), match.group("date"), match.group("sep")
    # A bare "WORD -" is too ambiguous ("NATO - the alliance said"); ask for more evidence.
    if agency is None and date_text is None and sep not in {"–", "—", "--"}:
        return None
    if sep == ":" and agency is None:
        return None
    rest = paragraph[match.end() :].strip()
    if not rest:
        return None
    region = match.group("region")
    return Dateline(
        place=f"{place}, {region}" if region else place,
        date_text=date_text.strip() if date_text else None,
        agency=agency.strip() if agency else None,
        rest=rest,
    )


def parse_date_text(text: str, *, now: datetime) -> datetime | None:
    """A date in free text ("Feb 16", "16 февраля 2024, 10:00"); a missing year means the latest past one."""
    import dateparser  # noqa: PLC0415 - slow import, only needed when a date is present

    base = now.astimezone(UTC).replace(tzinfo=None)
    try:
        value = dateparser.parse(
            text,
            settings={
                "PREFER_DATES_FROM": "past",
                "RELATIVE_BASE": base,
                "RETURN_AS_TIMEZONE_AWARE": True,
                "TIMEZONE": "UTC",
                "TO_TIMEZONE": "UTC",
                "STRICT_PARSING": False,
                "REQUIRE_PARTS": ["day", "month"],
            },
        )
    except (ValueError, TypeError, OverflowError):
        return None
    return value if isinstance(value, datetime) else None


def _reporters(trailer: str) -> str | None:
    """The reporters' names from an agency trailer ("Reporting by A and B; Editing by C" -> "A and B")."""
    for part in trailer.strip("() ").split(";"):
        match = re.match(r"\s*(?:additional\s+)?(?:reporting|writing)\s+by\s+(.+)", part, re.IGNORECASE)
        if match:
            return match.group(1).strip(" .")
    return None


def _block_paragraphs(block: list[str]) -> list[str]:
    lines = [line.strip() for line in block if line.strip()]
    if len(lines) <= 1:
        return lines
    # Hard-wrapped copy: every line but the last is long-ish and none exceeds a terminal width.
    wrapped = max(len(line) for line in lines) <= _WRAP_MAX and all(len(line) >= 40 for line in lines[:-1])
    return [" ".join(lines)] if wrapped else lines


def split_paragraphs(text: str, *, chrome: ChromeFilter | None = None) -> list[str]:
    """Chrome-free paragraphs of a text (blank-line separated, hard wraps joined)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = (chrome or default_filter()).clean(lines)
    paragraphs: list[str] = []
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line)
        elif block:
            paragraphs.extend(_block_paragraphs(block))
            block = []
    return paragraphs


def _is_heading_like(paragraph: str) -> bool:
    return len(paragraph) <= _TITLE_MAX and find_dateline(paragraph) is None


@dataclass(frozen=True)
class TextParts:
    """What the layout of a plain text gives: the parts of a story before normalization."""

    title: str | None
    standfirst: str | None
    byline: str | None
    dateline: str | None
    dates: tuple[tuple[datetime | None, DateSource], ...]
    paragraphs: tuple[str, ...]


def analyze_text(
    text: str, *, now: datetime, chrome: ChromeFilter | None = None, has_title: bool = False
) -> TextParts | None:
    """Split plain text into title, standfirst, byline, dateline, dates and body; None if only chrome.

    ``has_title``: the caller already knows the title (e.g. a JSON story's body), so the first
    paragraph is body, not headline.
    """
    paragraphs = split_paragraphs(text, chrome=chrome)
    byline: str | None = None
    dates: list[tuple[datetime | None, DateSource]] = []
    remaining: list[str] = []
    for para in paragraphs:
        if byline is None and len(para) <= 100 and (m := _BYLINE.match(para)):
            byline = m.group("name").strip(" ,|")
            continue
        if len(para) <= 90 and (m := _PUBLISHED.match(para)):
            dates.append((parse_date_text(m.group("date"), now=now), DateSource.TEXT))
            continue
        remaining.append(para)
    if len(remaining) > 1 and (trailer := _TRAILER.match(remaining[-1])):
        remaining.pop()
        byline = byline or _reporters(trailer.group(0))
    if not remaining:
        return None

    title: str | None = None
    standfirst: str | None = None
    if not has_title and len(remaining) > 1 and _is_heading_like(remaining[0]):
        title = remaining.pop(0)
        nxt = remaining[1] if len(remaining) > 1 else None
        candidate = remaining[0]
        if (
            len(remaining) > 1
            and _is_heading_like(candidate)
            and len(candidate) <= _STANDFIRST_MAX
            and (not candidate.endswith(_TERMINAL) or (nxt is not None and find_dateline(nxt) is not None))
        ):
            standfirst = remaining.pop(0)

    place: str | None = None
    for index, para in enumerate(remaining[:2]):
        dateline = find_dateline(para)
        if dateline is not None:
            place = dateline.place
            remaining[index] = dateline.rest
            if dateline.date_text:
                dates.append((parse_date_text(dateline.date_text, now=now), DateSource.DATELINE))
            break
    return TextParts(
        title=title,
        standfirst=standfirst,
        byline=byline,
        dateline=place,
        dates=tuple(dates),
        paragraphs=tuple(remaining),
    )


def parse_text(
    text: str,
    *,
    now: datetime,
    source: str,
    url: str | None = None,
    fmt: str = "text",
    chrome: ChromeFilter | None = None,
) -> Story | None:
    """One Story from plain text, or None when nothing but chrome is left."""
    parts = analyze_text(text, now=now, chrome=chrome)
    if parts is None:
        return None
    return make_story(
        title=parts.title,
        standfirst=parts.standfirst,
        body_paragraphs=parts.paragraphs,
        byline=parts.byline,
        dateline=parts.dateline,
        dates=list(parts.dates),
        now=now,
        source=source,
        url=url,
        fmt=fmt,
    )
