"""The chrome filter and its curated data file."""

from __future__ import annotations

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
