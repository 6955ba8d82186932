"""Format detection, encodings, limits and the error contract of parse()."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from ingest import (
    IngestError,
    InputTooLargeError,
    ParseError,
    UnsupportedFormatError,
    detect_format,
    parse,
)
from wirewatch.errors import LimitExceededError, MessageError

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


class TestDetectFormat:
    @pytest.mark.parametrize(
        ("data", "origin", "media_type", "expected"),
        [
            (b"Just text", "stdin", None, "text"),
            (b"Just text", "story.txt", None, "text"),
            (b"<html><body>x</body></html>", "stdin", None, "html"),
            (b"<!DOCTYPE html><html>", "page", None, "html"),
            (b"whatever", "https://example.com/page.html?x=1", None, "html"),
            (b"Just text", "upload", "text/plain; charset=utf-8", "text"),
            (b"<p>x</p>", "upload", "text/html", "html"),
            (RSS, "stdin", None, "rss"),
            (RSS, "feed", "application/rss+xml", "rss"),
            (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "stdin", None, "atom"),
            (b'<rdf:RDF xmlns="http://purl.org/rss/1.0/">', "stdin", None, "rss"),
            (b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>', "stdin", None, "newsml"),
            (
                b'<?xml version="1.0"?><newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">',
                "a.xml",
                None,
                "newsml",
            ),
            (b'{"title": "x", "body": "y"}', "stdin", None, "json"),
            (b'{"title": "x"}', "x.json", "application/json", "json"),
            (b'{\n "uri": "urn:x", "headline": "h"\n}', "stdin", None, "ninjs"),
            (b'[{"uri": "urn:x", "body_text": "b"}]', "x.json", None, "ninjs"),
            (b'{"uri": "urn:x", "headlines": []}', "x", "application/vnd.iptc.ninjs+json", "ninjs"),
        ],
    )
    def test_table(self, data: bytes, origin: str, media_type: str | None, expected: str) -> None:
        assert detect_format(data, origin, media_type) == expected

    def test_unknown_xml(self) -> None:
        with pytest.raises(UnsupportedFormatError):
            detect_format(b'<?xml version="1.0"?><catalog><book/></catalog>', "books.xml")


class TestErrors:
    def test_hierarchy(self) -> None:
        assert issubclass(ParseError, IngestError)
        assert issubclass(UnsupportedFormatError, ParseError)
        assert issubclass(IngestError, MessageError)
        assert issubclass(InputTooLargeError, LimitExceededError)
        assert issubclass(InputTooLargeError, IngestError)

    def test_parse_error_carries_origin_and_reason(self, now: datetime) -> None:
        with pytest.raises(ParseError) as info:
            parse(b"   \n ", origin="drop/empty.txt", now=now)
        assert info.value.origin == "drop/empty.txt"
        assert info.value.reason == "empty input"
        assert "origin=drop/empty.txt" in str(info.value)

    def test_oversize(self, now: datetime) -> None:
        with pytest.raises(InputTooLargeError) as info:
            parse(b"x" * 101, origin="big.txt", now=now, max_bytes=100)
        assert (info.value.size, info.value.limit) == (101, 100)

    def test_exactly_at_limit_is_fine(self, now: datetime) -> None:
        text = b"Small headline\n\nA short body that fits within the limit exactly."
        assert parse(text, origin="s.txt", now=now, max_bytes=len(text))

    def test_binary_is_rejected(self, now: datetime) -> None:
        with pytest.raises(ParseError, match="binary"):
            parse(b"\x00\x01\x02PNG\x00\x00", origin="stdin", now=now)


class TestEncodings:
    @pytest.mark.parametrize(
        ("text", "encoding", "language"),
        [
            (
                "Élections régionales : la participation a été très élevée dimanche selon le ministère.",
                "latin-1",
                "fr",
            ),
            (
                "Выборы: явка на региональных выборах в воскресенье оказалась очень высокой, сообщили в комиссии.",
                "cp1251",
                "ru",
            ),
            (
                "Вибори: явка на місцевих виборах у неділю виявилася дуже високою, повідомили в комісії.",
                "cp1251",
                "uk",
            ),
            (
                "Die Wahlbeteiligung war am Sonntag überraschend hoch, teilte das Ministerium mit.",
                "cp1252",
                "de",
            ),
        ],
    )
    def test_single_byte_encodings_are_detected(
        self, now: datetime, text: str, encoding: str, language: str
    ) -> None:
        title = text.split(":", maxsplit=1)[0] if ":" in text else "Wahlbeteiligung hoch"
        data = f"{title}\n\n{text}\n\n{text}\n".encode(encoding)
        (story,) = parse(data, origin="story.txt", now=now)
        assert text in story.body
        assert story.language == language

    def test_utf8_bom(self, now: datetime) -> None:
        data = "\ufeffMinistry confirms budget\n\nThe ministry confirmed the budget on Monday.".encode()
        (story,) = parse(data, origin="stdin", now=now)
        assert story.title == "Ministry confirms budget"

    def test_utf16_bom(self, now: datetime) -> None:
        data = "Ministry confirms budget\n\nThe ministry confirmed the budget on Monday.".encode("utf-16")
        (story,) = parse(data, origin="stdin", now=now)
        assert story.body == "The ministry confirmed the budget on Monday."

    def test_declared_charset_in_media_type(self, now: datetime, sample: Callable[[str], bytes]) -> None:
        data = "Reunión del consejo\n\nEl consejo se reunió el martes en la sede de la organización.".encode(
            "latin-1"
        )
        (story,) = parse(data, origin="upload", media_type="text/plain; charset=ISO-8859-1", now=now)
        assert story.title == "Reunión del consejo"

    def test_xml_declaration_encoding(self, now: datetime) -> None:
        item = (
            '<?xml version="1.0" encoding="ISO-8859-1"?>'
            '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:9" version="1">'
            '<itemMeta><itemClass qcode="ninat:text"/><pubStatus qcode="stat:usable"/></itemMeta>'
            "<contentMeta><headline>Grève générale à Genève</headline></contentMeta>"
            "<contentSet><inlineData>Les employés ont cessé le travail à midi.</inlineData></contentSet></newsItem>"
        ).encode("latin-1")
        (story,) = parse(item, origin="g2.xml", now=now)
        assert story.title == "Grève générale à Genève"
