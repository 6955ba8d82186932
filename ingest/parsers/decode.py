"""Bytes to text: the encoding is detected, never assumed.

Order: a byte-order mark; the charset declared by the transport (``media_type``) or the document
(XML declaration, HTML ``<meta charset>``) when the bytes really decode with it; strict UTF-8;
then charset-normalizer's best match. Valid UTF-8 with non-ASCII bytes wins over a declared
single-byte charset, because mislabelled UTF-8 pages are far more common than the opposite.

With ``strict=True`` (what the parsers use for the text they keep) bytes that fit no encoding
with confidence raise :class:`ingest.errors.UndecodableError` instead of being guessed at: either
charset-normalizer finds no encoding at all (binary, random bytes), or its best match still reads
as more than ``MAX_CHAOS`` noise. Broken UTF-8 read as a single-byte charset (mojibake) and random
high bytes read as a Cyrillic code page score 0.11-0.18 here, legacy text in its real code page 0.0.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from ingest.errors import UndecodableError

__all__ = ["MAX_CHAOS", "declared_charset", "decode_bytes", "media_type_charset"]

#: The most "mess" (charset-normalizer's chaos ratio) a detected decoding may show and still be used.
MAX_CHAOS = 0.1
_MIN_UTF8_CHARS = 3
_SLIGHT_DAMAGE = 100

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_HTML_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_COMMON = ("cp1252", "cp1251", "latin_1", "iso8859_15", "koi8_r", "cp1250")
_TIE_BREAK = {name: rank for rank, name in enumerate(_COMMON)}
_MEDIA_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def media_type_charset(media_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type value, if any."""
    if not media_type:
        return None
    match = _MEDIA_CHARSET.search(media_type)
    return match.group(1) if match else None


def declared_charset(data: bytes) -> str | None:
    """The charset declared inside the document (XML declaration or HTML meta), if any."""
    head = data[:2048]
    match = _XML_DECL.match(head) or _HTML_META.search(head)
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(
    data: bytes, *, media_type: str | None = None, strict: bool = False, origin: str = "input"
) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding used)``.

    Lenient by default (a best effort with replacement characters, for sniffing a format); with
    ``strict`` bytes that fit no encoding with confidence raise UndecodableError (``origin`` in it).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _try(data, encoding)
            if text is not None:
                return text.lstrip("\ufeff"), encoding
    if data.isascii():
        return data.decode("ascii"), "ascii"
    utf8 = _try(data, "utf-8")
    if utf8 is not None:
        return utf8, "utf-8"
    for declared in (media_type_charset(media_type), declared_charset(data)):
        codec = _codec(declared)
        # A declared UTF-8 that did not decode above is a lie; let detection decide.
        if codec and codec not in {"utf-8", "ascii"}:
            text = _try(data, codec)
            if text is not None:
                return text, codec
    if strict and (repaired := _damaged_utf8(data, origin)) is not None:
        return repaired, "utf-8"
    # charset-normalizer often ties cp1250 and cp1252 on French or German text; break ties by how
    # common the encoding is on the web (WHATWG: windows-1252 is the default single-byte one).
    matches = sorted(
        charset_normalizer.from_bytes(data[:200_000]),
        key=lambda m: (round(m.chaos, 3), -round(m.coherence, 3), _TIE_BREAK.get(m.encoding, len(_COMMON))),
    )
    if strict and not matches:
        raise UndecodableError(
            "bytes fit no text encoding (not UTF-8, and no other encoding was detected)", origin=origin
        )
    if strict and matches[0].chaos > MAX_CHAOS:
        best = matches[0]
        raise UndecodableError(
            f"bytes fit no text encoding with confidence (not UTF-8; best guess {best.encoding} "
            f"reads as {best.chaos:.0%} noise, more than {MAX_CHAOS:.0%})",
            origin=origin,
            best_guess=best.encoding,
        )
    for match in matches:
        text = _try(data, match.encoding)
        if text is not None:
            return text, match.encoding
    if strict:
        raise UndecodableError("bytes fit no text encoding", origin=origin)
    return data.decode("utf-8", errors="replace"), "utf-8"


def _damaged_utf8(data: bytes, origin: str) -> str | None:
    """UTF-8 with some invalid bytes: the text if the damage is slight, else UndecodableError.

    Valid multi-byte UTF-8 sequences almost never occur by chance in single-byte text (a lead byte
    must be followed by the right number of continuation bytes), so bytes where the valid sequences
    outnumber the invalid ones are UTF-8 that was damaged, not text in another encoding: any other
    reading is mojibake. A stray byte or two in a long text (at most one bad sequence per
    ``_SLIGHT_DAMAGE`` good characters) is kept, as U+FFFD; more is refused. None: not UTF-8-like.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    if good < _MIN_UTF8_CHARS or good < 2 * bad:
        return None
    if good >= _SLIGHT_DAMAGE * bad:
        return text
    raise UndecodableError(
        f"invalid UTF-8: {bad} bad byte sequence(s) among {good} valid multi-byte characters "
        "(damaged UTF-8 fits no text encoding; decoded as another one it would be mojibake)",
        origin=origin,
    )
