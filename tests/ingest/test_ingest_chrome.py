"""The chrome filter and its curated data file."""

from __future__ import annotations

import re

import pytest

from ingest.chrome import ChromeFilter, default_filter, fold, is_date_line
from ingest.errors import ChromeDataError
from wirewatch.errors import ConfigError

PROSE = "The council voted on Tuesday to extend the night bus service to the northern suburbs from May."


class TestDateWidget:
    @pytest.mark.parametrize(
        "line",
        [
            "Thursday, April 18, 2024",
            "Jueves, 18 de abril de 2024",
            "jeudi 18 avril 2024",
            "Donnerstag, 18. April 2024",
            "Четверг, 18 апреля 2024 г.",
            "Четвер, 18 квітня 2024",
            "18.04.2024",
            "2024-04-18 10:45",
            "Apr 18, 2024 10:45 GMT",
        ],
    )
    def test_date_lines(self, line: str) -> None:
        assert is_date_line(line)

    @pytest.mark.parametrize(
        "line",
        ["NATO insists 2024", "Thursday", "The summit on April 18, 2024 ended with a deal.", PROSE, "8.3 C"],
    )
    def test_not_date_lines(self, line: str) -> None:
        assert not is_date_line(line)


class TestChromeFilter:
    @pytest.mark.parametrize(
        "line",
        [
            "Buy now",
            "- Advertisement -spot_img",
            "- Publicidad -",
            "Suscríbete",
            "Please enter your comment!",
            "Пожалуйста, введите ваш комментарий!",
            "12 comments",
            "Photo: Reuters",
            "© 2024 Example Media",
            "3 min read",
            "• • •",
        ],
    )
    def test_chrome_lines(self, line: str) -> None:
        assert default_filter().is_chrome(line)

    @pytest.mark.parametrize(
        "line",
        [
            PROSE,
            "Advertising revenue fell by a third, the company said.",
            "Subscribers will pay more from June.",
            "New York",  # only chrome next to a temperature widget
        ],
    )
    def test_article_lines_are_kept(self, line: str) -> None:
        assert not default_filter().is_chrome(line)

    def test_weather_widget_takes_its_place_line(self) -> None:
        lines = ["8.3 C", "New York", "Headline", PROSE]
        assert default_filter().clean(lines) == ["Headline", PROSE]

    def test_tail_is_cut_after_the_body(self) -> None:
        lines = ["Headline", PROSE, "Related Articles", "Other headline", "Another one"]
        assert default_filter().clean(lines) == ["Headline", PROSE]

    def test_tail_marker_before_the_body_is_only_dropped(self) -> None:
        lines = ["Related Articles", "Headline", PROSE]
        assert default_filter().clean(lines) == ["Headline", PROSE]

    def test_fold(self) -> None:
        assert fold("  - Please  Enter your COMMENT! -  ") == "please enter your comment!"
        assert fold("Don’t miss") == "don't miss"

    def test_custom_data(self) -> None:
        chrome = ChromeFilter.from_mapping({"lines": {"xx": ["Zap"]}, "cut": {}, "patterns": [r"\d+ zaps"]})
        assert chrome.is_chrome("ZAP")
        assert chrome.is_chrome("12 zaps")
        assert not chrome.is_chrome("Buy now")

    @pytest.mark.parametrize(
        "data", [{"patterns": ["("]}, {"lines": ["not", "a", "mapping"]}, {"lines": {"en": 5}}]
    )
    def test_invalid_data(self, data: dict[str, object]) -> None:
        with pytest.raises(ChromeDataError) as info:
            ChromeFilter.from_mapping(data)
        assert isinstance(info.value, ConfigError)


class TestOnePatternMatch:
    """The patterns are tried as one alternation (issue 19: one regex call per line, not seven)."""

    LINES = (
        "Advertisement",
        "ADVERTISEMENT - SCROLL TO CONTINUE",
        "12 comments",
        "Photo: Reuters",
        "5 min read",
        "© 2024 The Times, all rights reserved",
        "8.3 C",
        "NATO ministers met in Brussels on Thursday to discuss the border with Ukraine.",
        "Photo: a man walks past the ruins. Another sentence follows here",
        "",
        "—",
    )

    def test_the_alternation_judges_every_line_as_the_patterns_one_by_one(self) -> None:
        chrome = default_filter()
        assert chrome._any_pattern is not None
        one_by_one = ChromeFilter(lines=chrome.lines, cut=chrome.cut, patterns=chrome.patterns)
        object.__setattr__(one_by_one, "_any_pattern", None)
        for line in self.LINES:
            assert chrome.is_chrome(line) == one_by_one.is_chrome(line), line
        assert chrome.clean(list(self.LINES)) == one_by_one.clean(list(self.LINES))

    def test_patterns_that_cannot_be_joined_are_tried_one_by_one(self) -> None:
        backref = ChromeFilter(
            lines=frozenset(), cut=frozenset(), patterns=(re.compile(r"x"), re.compile(r"(a)\1"))
        )
        assert backref._any_pattern is None
        assert backref.is_chrome("aa")
        assert backref.is_chrome("x")
        assert not backref.is_chrome("ab")
        mixed = ChromeFilter(
            lines=frozenset(), cut=frozenset(), patterns=(re.compile("a", re.IGNORECASE), re.compile("c"))
        )
        assert mixed._any_pattern is None
        assert mixed.is_chrome("A")
        assert mixed.is_chrome("c")
        assert not mixed.is_chrome("b")
