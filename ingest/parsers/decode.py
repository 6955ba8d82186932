"""Bytes to text: the encoding is detected, never assumed.

Order: a byte-order mark; the charset declared by the transport (``media_type``) or the document
(XML declaration, HTML ``<meta charset>``) when the bytes really decode with it; strict UTF-8;
then charset-normalizer's best guess. Valid UTF-8 with non-ASCII bytes wins over a declared
single-byte charset, because mislabelled UTF-8 pages are far more common than the opposite.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

__all__ = ["declared_charset", "decode_bytes", "media_type_charset"]

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


def decode_bytes(data: bytes, *, media_type: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding used)``; never raises on bad bytes."""
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
    # charset-normalizer often ties cp1250 and cp1252 on French or German text; break ties by how
    # common the encoding is on the web (WHATWG: windows-1252 is the default single-byte one).
    matches = sorted(
        charset_normalizer.from_bytes(data[:200_000]),
        key=lambda m: (round(m.chaos, 3), -round(m.coherence, 3), _TIE_BREAK.get(m.encoding, len(_COMMON))),
    )
    for match in matches:
        text = _try(data, match.encoding)
        if text is not None:
            return text, match.encoding
    return data.decode("utf-8", errors="replace"), "utf-8"
