"""The console's pure parts: tickets, previews, rates, query hints."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from alerts.console.auth import TICKET_SECONDS, Authority
from alerts.console.hints import check_query
from alerts.console.letters import PREVIEW_CHARS, preview, reason_class
from alerts.console.opsview import Rates, read_registry, stage_rows


class TestTickets:
    def test_a_ticket_names_its_holder_until_it_expires(self) -> None:
        auth = Authority({"t-a": "alice", "t-o": "ops"}, frozenset({"ops"}), key=b"k" * 32)
        ticket = auth.ticket("alice", 1000.0)
        found = auth.by_ticket(ticket, 1000.0 + TICKET_SECONDS)
        assert found is not None
        assert (found.who, found.role) == ("alice", "analyst")
        assert auth.by_ticket(ticket, 1001.0 + TICKET_SECONDS) is None

    def test_a_ticket_from_another_key_or_altered_is_refused(self) -> None:
        auth = Authority({}, frozenset(), key=b"k" * 32)
        other = Authority({}, frozenset(), key=b"x" * 32)
        assert auth.by_ticket(other.ticket("alice", 0), 0) is None
        name, expiry, sig = auth.ticket("alice", 0).split(".")
        assert auth.by_ticket(f"{name}.{int(expiry) + 3600}.{sig}", 0) is None
        assert auth.by_ticket("garbage", 0) is None

    def test_tokens_and_roles(self) -> None:
        auth = Authority({"t-a": "alice", "t-o": "ops", "": "nobody"}, frozenset({"ops"}))
        assert auth.by_token("t-o") is not None
        assert auth.by_token("t-o").operator  # type: ignore[union-attr]
        assert auth.by_token("") is None
        assert auth.by_token("t-x") is None


class TestPreview:
    def test_controls_are_shown_as_dots_and_long_bytes_are_cut(self) -> None:
        assert preview(b"a\x00b\x1b[31mc\nd") == "a·b·[31mc\nd"
        long = preview(b"x" * 5000)
        assert len(long) == PREVIEW_CHARS + 1
        assert long.endswith("…")
        assert preview("é".encode()[:1] + b"ok") == "\ufffdok"


class TestRates:
    def test_rates_come_from_two_readings_a_second_apart(self) -> None:
        registry = CollectorRegistry()
        messages = Counter("wirewatch_messages_total", "m", ["stage", "outcome"], registry=registry)
        up = Gauge("wirewatch_stage_up", "u", ["stage"], registry=registry)
        other = Counter("wirewatch_ingest_total", "i", ["source", "outcome"], registry=registry)
        rates = Rates()
        messages.labels("alert", "ok").inc(10)
        up.labels("alert").set(1)
        other.labels("folder", "emitted").inc()
        first = read_registry(registry.collect())
        assert rates.update(first, 100.0) == {"alert": (0.0, None)}
        messages.labels("alert", "ok").inc(20)
        second = read_registry(registry.collect())
        assert rates.update(second, 100.5)["alert"] == (0.0, None)  # too soon: the last rates
        assert rates.update(second, 102.0)["alert"] == (10.0, None)
        (row,) = stage_rows(second, rates.update(second, 102.0))
        assert row["up"] is True
        assert row["handled"] == 30
        assert [o["metric"] for o in second.other] == ["wirewatch_ingest_total"]


VOCAB = {
    "actor": {"nato": "NATO", "q7184": "NATO"},
    "region": {"russia–ukraine border": "Russia–Ukraine border"},
}


class TestHints:
    def test_values_no_story_carries_get_suggestions_at_their_column(self) -> None:
        out = check_query('country:UA AND actor:NATOO AND region:"Russia-Ukraine border"', VOCAB, stories=4)
        assert out["ok"] is True
        hints = {h["value"]: h for h in out["hints"]}
        assert hints["NATOO"]["column"] == 16
        assert hints["NATOO"]["suggestions"] == ["NATO"]
        assert hints["Russia-Ukraine border"]["suggestions"] == ["Russia–Ukraine border"]

    def test_countries_are_checked_against_iso_codes_and_names(self) -> None:
        assert check_query("country:UA OR country:Ukraine", {}, stories=0)["hints"] == []
        (hint,) = check_query("country:UK", {}, stories=0)["hints"]
        assert "ISO 3166" in hint["message"]

    def test_an_invalid_query_gets_the_compilers_error(self) -> None:
        out = check_query("actor:(NATO", {}, stories=0)
        assert out["ok"] is False
        assert out["error"]["column"] >= 1
        assert "^" in out["error"]["pointer"]


class TestReasonClasses:
    def test_letters_that_differ_only_by_context_and_keys_share_a_reason(self) -> None:
        a = "webhook rejected the alert with HTTP 400 (status=400) (channel=webhook key=" + "a" * 64 + ")"
        b = "webhook rejected the alert with HTTP 400 (status=400) (channel=webhook key=" + "b" * 64 + ")"
        assert reason_class(a) == reason_class(b) == "webhook rejected the alert with HTTP 400"
        assert reason_class("story sha256:0123456789abcdef0123 has no title") == "story … has no title"
        assert reason_class("plain reason (not context)") == "plain reason (not context)"
