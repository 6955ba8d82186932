"""The alerts parsed once for every channel stage of a process (``alerts.deliver.service._ParsedAlerts``)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alerts.deliver.service import _ParsedAlerts
from tests.factories import make_alert


class TestParsedAlerts:
    def test_the_same_bytes_read_by_another_stage_are_not_parsed_again(self) -> None:
        parsed = _ParsedAlerts(4)
        raw = make_alert(key="k1").to_bytes()
        first = parsed.parse(raw)
        assert parsed.parse(bytes(raw)) is first  # another record object, the same bytes
        assert first.key == "k1"

    def test_it_keeps_only_the_last_alerts(self) -> None:
        parsed = _ParsedAlerts(2)
        raws = [make_alert(key=f"k{i}").to_bytes() for i in range(3)]
        first = parsed.parse(raws[0])
        parsed.parse(raws[1])
        parsed.parse(raws[2])  # the oldest goes
        again = parsed.parse(raws[0])
        assert again is not first
        assert again == first

    def test_a_bad_alert_raises_and_is_not_kept(self) -> None:
        parsed = _ParsedAlerts(2)
        with pytest.raises(ValidationError):
            parsed.parse(b'{"key": 1}')
        with pytest.raises(ValidationError):
            parsed.parse(b'{"key": 1}')
