"""Normalization shared by every parser: ids, hashes, URLs, dates, language, and the Story itself.

Everything here is pure: no clock reads (``now`` is passed in), no I/O, no global config. The
language detector is built once, lazily, and cached at module level because it is pure data.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pycld2

from schemas import DateSource, PubStatus, Story

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = [
    "DETECTED_LANGUAGES",
    "canonical_url",
    "collapse_whitespace",
    "content_hash",
    "detect_language",
    "join_paragraphs",
    "make_story",
    "normalize_for_hash",
    "normalize_language",
    "resolve_published",
    "story_id",
]

# Tracking parameters that never change what a URL points to.
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "smid", "ref_src"})
# Whitespace of a paragraph: what ``str.split()`` splits on (\t\r\f\v, no-break and typographic
# spaces...) plus the zero-width space, which is no whitespace to Python but separates words here.
_ZWSP = "\u200b"
_BLANKS = re.compile(r"\n\s*\n+")

#: The languages the detector chooses among (ISO 639-1). Restricting the set keeps it fast and
#: avoids exotic guesses on short texts.
DETECTED_LANGUAGES = ("en", "es", "fr", "de", "ru", "uk", "it", "pt", "pl", "nl", "tr", "ar", "zh", "ja")

# Below this many letters language detection is a guess; we return None rather than guess.
_MIN_LETTERS_FOR_LANGUAGE = 12


def canonical_url(url: str | None) -> str | None:
    """Canonical form of an http(s) URL: lowercase scheme/host, no fragment, no utm_* or click ids."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = host if port in {None, default_port} else f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    ]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def collapse_whitespace(text: str) -> str:
    """``" ".join(text.split())``: every whitespace run one space, none at the ends; faster on clean text.

    Splitting a 4 KB story into words costs ~30 µs; text whose only whitespace is lone spaces
    (printable: no tab, newline or other separator) needs just its ends stripped.
    """
    if text.isprintable() and "  " not in text:
        return text.strip(" ")
    return " ".join(text.split())


def normalize_for_hash(text: str) -> str:
    """NFKC, casefolded, with all whitespace runs collapsed to one space."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # A body is clean paragraphs joined by blank lines: made single-spaced, the fast path takes it.
    return collapse_whitespace(folded.replace("\n\n", " ") if "\n\n" in folded else folded)


def content_hash(title: str, body: str) -> str:
    """sha256 (hex) of the normalized title and body."""
    data = normalize_for_hash(title) + "\n" + normalize_for_hash(body)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def story_id(*, guid: str | None, url: str | None, content_hash_hex: str) -> str:
    """Agency guid/uri, else canonical URL, else ``sha256:`` + content-hash prefix."""
    if guid and guid.strip():
        return guid.strip()
    canon = canonical_url(url)
    if canon:
        return canon
    return f"sha256:{content_hash_hex[:32]}"


def join_paragraphs(paragraphs: list[str] | tuple[str, ...]) -> str:
    """Clean each paragraph (collapse spaces, NFC) and join the non-empty ones with a blank line."""
    out: list[str] = []
    for para in paragraphs:
        # Skipping the regex and the replace when they cannot match halves the cost on wire copy.
        for piece in _BLANKS.split(para) if "\n" in para else (para,):
            text = unicodedata.normalize("NFC", piece)
            if _ZWSP in text:
                text = text.replace(_ZWSP, " ")
            clean = collapse_whitespace(text)
            if clean:
                out.append(clean)
    return "\n\n".join(out)


def clean_line(text: str | None) -> str | None:
    """One-line text: NFC, whitespace collapsed; None when empty."""
    if text is None:
        return None
    clean = " ".join(unicodedata.normalize("NFC", text).split())
    return clean or None


#: How much of a story's text the language is detected on.
SAMPLE_CHARS = 600


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder  # noqa: PLC0415 - heavy import, built lazily once

    codes = [getattr(IsoCode639_1, code.upper()) for code in DETECTED_LANGUAGES]
    # Low-accuracy mode (trigrams only): ~25 MB and 0.2 s to build instead of ~400 MB and 6 s for
    # the full models. lingua documents it as reliable above ~120 characters, and we detect on the
    # whole story (title + standfirst + body); short inputs usually declare their language.
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


def normalize_language(code: str | None) -> str | None:
    """ISO 639-1 from a declared language tag such as ``en-GB``, ``EN`` or ``eng``; None if unusable."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    if len(primary) == 2 and primary.isalpha():
        return primary
    if len(primary) == 3 and primary.isalpha():
        import pycountry  # noqa: PLC0415 - only needed for the rare 3-letter tag

        lang = pycountry.languages.get(alpha_3=primary)
        alpha2 = getattr(lang, "alpha_2", None) if lang is not None else None
        return str(alpha2) if alpha2 else None
    return None


#: Below this many characters CLD2 and lingua disagree more often (on the first N characters of
#: 980 real pages: 6 pages at N = 150, 1 at 200, none at 300), and lingua is cheap on short text.
FAST_MIN_CHARS = 300
#: The share of the text (CLD2's percent) its top language must have for CLD2's answer to stand.
#: At 80 no accepted answer differed from lingua's on the real pages; at 50 one mixed page did.
FAST_MIN_PERCENT = 80
_DETECTED = frozenset(DETECTED_LANGUAGES)
_CLD2_CODES = {"zh-Hant": "zh"}  # lingua names one Chinese


def fast_language(sample: str) -> str | None:
    """CLD2's language of ``sample`` when it is sure of one of DETECTED_LANGUAGES, else None.

    None means "ask lingua": short or mixed text, another language, or input CLD2 refuses.
    """
    if len(sample) < FAST_MIN_CHARS:
        return None
    try:
        reliable, _, details = pycld2.detect(sample, isPlainText=True)
    except (pycld2.error, UnicodeError):  # lone surrogates, C1 controls or NULs: CLD2 wants clean UTF-8
        return None
    code, percent = details[0][1], details[0][2]
    code = _CLD2_CODES.get(code, code)
    if reliable and percent >= FAST_MIN_PERCENT and code in _DETECTED:
        return str(code)
    return None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (lingua, among DETECTED_LANGUAGES), or None if unsure."""
    # The first SAMPLE_CHARS characters decide as well as the whole story at a fraction of the
    # cost: on 980 real web pages, 600 characters agree with 5,000 on 99.5 % (1,500: 99.6 %) in
    # about half the time of 1,500 (benchmarks/bench_language.py).
    sample = text[:SAMPLE_CHARS]
    # Counting the letters of a short head first: it nearly always has enough of them.
    enough = _MIN_LETTERS_FOR_LANGUAGE
    if sum(map(str.isalpha, sample[: 4 * enough])) < enough and sum(map(str.isalpha, sample)) < enough:
        return None
    # CLD2 (pycld2: C++, its model in the wheel, ~0.03 ms) settles the clear cases, 97 % of real
    # pages and ~99 % of wire copy; lingua (~0.6 ms), the reference, decides the rest. On the 980
    # real pages the two steps answer exactly as lingua alone, in 0.05 ms instead of 0.6
    # (benchmarks/bench_language.py). py3langid, the other packaged model, took 0.36 ms and
    # agreed on 99.5 %: too slow to be a fast path, too different to replace lingua.
    fast = fast_language(sample)
    if fast is not None:
        return fast
    lang = _detector().detect_language_of(sample)
    if lang is None:
        return None
    return str(lang.iso_code_639_1.name.lower())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def resolve_published(
    candidates: list[tuple[datetime | None, DateSource]], *, now: datetime
) -> tuple[datetime, DateSource]:
    """First trustworthy candidate date (made aware, never in the future), else ``(now, INGEST)``.

    A small tolerance (5 minutes) allows for clock skew between the agency and us.
    """
    tolerance = 300.0
    for value, source in candidates:
        if value is None:
            continue
        aware = _aware(value)
        if (aware - now).total_seconds() > tolerance:
            continue
        return aware, source
    return now, DateSource.INGEST


def make_story(
    *,
    title: str | None,
    body_paragraphs: list[str] | tuple[str, ...],
    now: datetime,
    source: str,
    fmt: str,
    standfirst: str | None = None,
    guid: str | None = None,
    url: str | None = None,
    version: int = 1,
    pubstatus: PubStatus = PubStatus.USABLE,
    byline: str | None = None,
    language: str | None = None,
    dates: list[tuple[datetime | None, DateSource]] | None = None,
    dateline: str | None = None,
    urgency: int | None = None,
    embargoed_until: datetime | None = None,
) -> Story:
    """Build a normalized Story from parsed parts (title falls back to the first body sentence)."""
    body = join_paragraphs(body_paragraphs)
    clean_title = clean_line(title) or ""
    clean_standfirst = clean_line(standfirst)
    if not clean_title:
        first = body.split("\n\n", 1)[0] if body else (clean_standfirst or "")
        clean_title = _first_sentence(first)
    if clean_standfirst is not None and clean_standfirst == clean_title:
        clean_standfirst = None
    digest = content_hash(clean_title, body)
    text = " ".join(filter(None, (clean_title, clean_standfirst, body)))
    lang = normalize_language(language) or detect_language(text)
    published, published_source = resolve_published(dates or [], now=now)
    fields: dict[str, Any] = {
        "id": story_id(guid=guid, url=url, content_hash_hex=digest),
        "version": max(1, version),
        "pubstatus": pubstatus,
        "title": clean_title,
        "standfirst": clean_standfirst,
        "body": body,
        "byline": clean_line(byline),
        "language": lang,
        "published_at": published,
        "published_at_source": published_source,
        "dateline": clean_line(dateline),
        "source": source,
        "url": canonical_url(url),
        "content_hash": digest,
        "ingested_at": now,
        "urgency": urgency if urgency is not None and 1 <= urgency <= 9 else None,
        "embargoed_until": _aware(embargoed_until) if embargoed_until is not None else None,
        "format": fmt,
    }
    return Story.model_validate(fields)


def _first_sentence(text: str, limit: int = 160) -> str:
    match = re.match(r"(.{20,}?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) > limit:
        cut = sentence[:limit].rsplit(" ", 1)[0]
        sentence = cut + "…"
    return sentence
