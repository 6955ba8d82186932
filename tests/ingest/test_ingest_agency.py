"""IPTC agency formats: ninjs 1.x/2.x and NewsML-G2 items and packages, including retractions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest import ParseError, parse
from schemas import DateSource, PubStatus


class TestNinjs:
    def test_ninjs1(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(sample("ninjs1.json"), origin="ninjs1.json", now=now, source="wirenews")
        assert story.id == "urn:example:wirenews:2024:ab12cd"
        assert story.version == 1
        assert story.pubstatus is PubStatus.USABLE
        assert story.title == "Kyiv reports calm night along northern border"
        assert story.standfirst == "Border guards say no new movements were observed overnight"
        assert story.byline == "Olena Example"
        assert story.dateline == "KYIV"
        assert story.language == "en"
        assert story.urgency == 3
        assert story.paragraphs[0].startswith("Ukraine's border guard service said on Friday")
        assert len(story.paragraphs) == 2
        assert story.published_at == datetime(2024, 2, 16, 9, 15, tzinfo=UTC)
        assert story.published_at_source is DateSource.METADATA
        assert story.format == "ninjs"

    def test_ninjs2_version2_with_embargo(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(sample("ninjs2-v2.json"), origin="ninjs2-v2.json", now=now, source="wirenews")
        assert story.version == 2
        assert story.title == "Stromausfall legt Teile von Hamburg lahm"
        assert story.standfirst == "Tausende Haushalte ohne Strom, Ursache unklar"
        assert story.byline == "Max Beispiel, Erika Muster"
        assert story.language == "de"
        assert story.urgency == 2
        assert story.dateline == "HAMBURG"
        assert story.embargoed_until == datetime(2024, 2, 16, 12, 0, tzinfo=UTC)
        assert story.published_at == datetime(2024, 2, 16, 11, 40, tzinfo=timezone(timedelta(hours=1)))
        assert story.paragraphs[1].startswith("Nach Angaben des Netzbetreibers")

    def test_canceled_still_gives_a_story(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(sample("ninjs-canceled.json"), origin="ninjs-canceled.json", now=now)
        assert story.pubstatus is PubStatus.CANCELED
        assert story.retracted
        assert story.id == "urn:example:wirenews:2024:ab12cd"
        assert story.version == 3

    def test_media_type_wins_over_extension(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(
            sample("ninjs1.json"), origin="upload.bin", media_type="application/ninjs+json", now=now
        )
        assert story.format == "ninjs"

    def test_ninjs_without_text_is_rejected(self, now: datetime) -> None:
        with pytest.raises(ParseError, match="neither headline nor body"):
            parse(b'{"uri": "urn:x:1", "versioncreated": "2024-01-01T00:00:00Z"}', origin="a.json", now=now)


class TestNewsML:
    def test_news_item(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(sample("newsml-item.xml"), origin="newsml-item.xml", now=now, source="wirenews")
        assert story.id == "urn:newsml:wirenews.example:20240216:nml-001"
        assert story.version == 4
        assert story.pubstatus is PubStatus.USABLE
        assert story.title == "Poland orders extra air defence systems"
        assert story.standfirst == "The contract covers six batteries to be delivered from 2026"
        assert story.byline == "Piotr Example"
        assert story.dateline == "Warsaw"
        assert story.urgency == 4
        assert story.embargoed_until == datetime(2024, 2, 16, 15, 0, tzinfo=UTC)
        assert story.published_at == datetime(2024, 2, 16, 14, 20, tzinfo=UTC)
        assert story.language == "en"
        assert story.paragraphs[0].startswith("Poland's defence ministry signed a contract")
        assert len(story.paragraphs) == 2
        assert story.format == "newsml"

    def test_package_gives_each_text_item(self, sample: Callable[[str], bytes], now: datetime) -> None:
        stories = parse(sample("newsml-package.xml"), origin="newsml-package.xml", now=now)
        assert [s.id for s in stories] == [
            "urn:newsml:wirenews.example:20240216:txt-1",
            "urn:newsml:wirenews.example:20240216:txt-2",
        ]
        french, english = stories
        assert french.language == "fr"
        assert french.dateline == "PARIS"
        assert french.urgency == 5
        assert len(french.paragraphs) == 2
        assert english.pubstatus is PubStatus.WITHHELD
        assert english.version == 2

    def test_canceled_item(self, sample: Callable[[str], bytes], now: datetime) -> None:
        (story,) = parse(sample("newsml-canceled.xml"), origin="newsml-canceled.xml", now=now)
        assert story.pubstatus is PubStatus.CANCELED
        assert story.version == 5
        assert story.title == "Poland orders extra air defence systems"

    def test_truncated_xml_is_rejected(self, sample: Callable[[str], bytes], now: datetime) -> None:
        data = sample("newsml-item.xml")
        with pytest.raises(ParseError, match="malformed NewsML-G2"):
            parse(data[: len(data) // 2], origin="newsml-item.xml", now=now)

    def test_nitf_inside_inline_xml(self, now: datetime) -> None:
        data = b"""<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:nitf" version="1">
  <itemMeta><itemClass qcode="ninat:text"/><pubStatus qcode="stat:usable"/></itemMeta>
  <contentMeta><headline>Rail strike ends after two days</headline></contentMeta>
  <contentSet><inlineXML contenttype="application/nitf+xml">
    <nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><head><title>Internal slug</title></head>
      <body><body.head><hedline><hl1>Rail strike ends after two days</hl1></hedline></body.head>
        <body.content><p>Train drivers returned to work on Thursday after a two-day strike over pay.</p>
        <p>The union said talks would resume next week.</p></body.content></body></nitf>
  </inlineXML></contentSet>
</newsItem>"""
        (story,) = parse(data, origin="nitf.xml", now=now)
        assert story.paragraphs == [
            "Train drivers returned to work on Thursday after a two-day strike over pay.",
            "The union said talks would resume next week.",
        ]

    def test_entities_are_not_expanded(self, now: datetime) -> None:
        data = b"""<?xml version="1.0"?>
<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:1" version="1">
  <itemMeta><itemClass qcode="ninat:text"/><pubStatus qcode="stat:usable"/></itemMeta>
  <contentMeta><headline>Entity test headline</headline></contentMeta>
  <contentSet><inlineData>Before &xxe; after, a sentence long enough to detect a language.</inlineData></contentSet>
</newsItem>"""
        (story,) = parse(data, origin="x.xml", now=now)
        assert "root:" not in story.body
