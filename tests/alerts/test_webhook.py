"""Webhook channel against a scripted receiver (``httpx.MockTransport``: the client is what we test)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from alerts.deliver.channels import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    dead_letter_for,
    sign,
    verify_signature,
)
from alerts.errors import DeliveryError
from schemas.models import Alert, Subscription
from tests.factories import NOW, make_alert, make_clause, make_mention, make_subscription
from tests.helpers import free_port

SECRET = b"s3cret-of-alice"
HOOK = "https://hooks.example.test/hook?token=abc"


def nato_alert(key: str = "sub-1:cluster-9:new") -> Alert:
    return make_alert(
        key=key,
        url="https://example.test/story-1",
        query="actor:NATO AND country:BE",
        explanation=(make_clause("actor:NATO", tag_id="Q7184", mentions=(make_mention("NATO"),)),),
    )


def webhook_subscription(url: str) -> Subscription:
    return make_subscription(query="actor:NATO AND country:BE", channels=("webhook",), webhook_url=url)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


# A reply: an HTTP status, or a transport error class raised instead of answering (a timed-out try).
Reply = int | type[httpx.TransportError]


@dataclass
class Receiver:
    """Answers each request with the next scripted reply; the last one repeats."""

    replies: list[Reply]
    extra_headers: dict[str, str] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        reply = self.replies[min(len(self.requests), len(self.replies) - 1)]
        headers = {k.lower(): v for k, v in request.headers.items()}
        status = reply if isinstance(reply, int) else 0
        self.requests.append(Received(request.url.raw_path.decode(), headers, request.content, status))
        if not isinstance(reply, int):
            raise reply("scripted", request=request)
        return httpx.Response(reply, headers=self.extra_headers, content=b"ok")


def receiver(*replies: Reply, **extra_headers: str) -> Receiver:
    return Receiver(list(replies), dict(extra_headers))


@contextlib.asynccontextmanager
async def channel(
    recv: Receiver | None, *, attempts: int = 3, timeout_s: float = 10.0
) -> AsyncIterator[WebhookChannel]:
    """The channel over a client answered by ``recv`` (None: a real client, real sockets)."""
    transport = None if recv is None else httpx.MockTransport(recv.handle)
    async with httpx.AsyncClient(transport=transport) as client:
        yield WebhookChannel(
            client,
            secret_for={"alice": SECRET}.__getitem__,
            attempts=attempts,
            wait_initial_s=0.01,
            wait_max_s=0.05,
            wait_jitter_s=0.0,
            timeout_s=timeout_s,
        )


def assert_signed(req: Received, alert: Alert) -> None:
    assert req.headers[IDEMPOTENCY_HEADER.lower()] == alert.key
    assert req.headers["content-type"] == "application/json"
    assert verify_signature(
        SECRET,
        req.headers[TIMESTAMP_HEADER.lower()],
        req.body,
        req.headers[SIGNATURE_HEADER.lower()],
        time.time(),
    )
    assert Alert.from_bytes(req.body) == alert


class TestDelivery:
    async def test_fails_twice_then_succeeds_exactly_one_accepted_delivery(self) -> None:
        alert = nato_alert()
        recv = receiver(503, 500, 200)
        retries = {"channel": "webhook", "outcome": "retry"}
        before = REGISTRY.get_sample_value("wirewatch_deliveries_total", retries) or 0.0
        async with channel(recv) as webhook:
            await webhook.send(alert, webhook_subscription(HOOK))
        assert [r.status for r in recv.requests] == [503, 500, 200]
        assert REGISTRY.get_sample_value("wirewatch_deliveries_total", retries) == before + 2
        assert {r.headers[IDEMPOTENCY_HEADER.lower()] for r in recv.requests} == {alert.key}
        assert len({r.body for r in recv.requests}) == 1
        for req in recv.requests:
            assert req.path == "/hook?token=abc"
            assert_signed(req, alert)

    async def test_each_try_is_signed_at_its_own_time(self) -> None:
        alert = nato_alert()
        clock = iter([1_000.0, 1_010.5, 1_020.9]).__next__
        recv = receiver(500, 500, 200)
        async with httpx.AsyncClient(transport=httpx.MockTransport(recv.handle)) as client:
            webhook = WebhookChannel(
                client,
                secret_for=lambda _: SECRET,
                attempts=3,
                wait_initial_s=0.01,
                wait_jitter_s=0.0,
                clock=clock,
            )
            await webhook.send(alert, webhook_subscription(HOOK))
        stamps = [r.headers[TIMESTAMP_HEADER.lower()] for r in recv.requests]
        assert stamps == ["1000", "1010", "1020"]
        for req, ts in zip(recv.requests, (1_000, 1_010, 1_020), strict=True):
            assert verify_signature(SECRET, ts, req.body, req.headers[SIGNATURE_HEADER.lower()], now=ts)
        assert len({r.headers[SIGNATURE_HEADER.lower()] for r in recv.requests}) == 3

    async def test_always_failing_raises_delivery_error_and_makes_a_dead_letter(self) -> None:
        alert = nato_alert()
        recv = receiver(503)
        async with channel(recv, attempts=3) as webhook:
            with pytest.raises(DeliveryError) as info:
                await webhook.send(alert, webhook_subscription(HOOK))
        assert len(recv.requests) == 3
        err = info.value
        assert (err.channel, err.attempts) == ("webhook", 3)
        assert err.target == "https://hooks.example.test/hook"  # the token in the query is not leaked
        dead = dead_letter_for(alert, err, NOW, topic="wirewatch.alerts")
        assert (dead.stage, dead.key, dead.topic, dead.error_type) == (
            "deliver",
            "sub-1",
            "wirewatch.alerts",
            "DeliveryError",
        )
        assert dead.source == err.channel + ":" + err.target
        assert Alert.from_bytes(dead.raw) == alert
        assert "503" in dead.reason

    @pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
    async def test_4xx_is_not_retried(self, status: int) -> None:
        recv = receiver(status, 200)
        async with channel(recv) as webhook:
            with pytest.raises(DeliveryError) as info:
                await webhook.send(nato_alert(), webhook_subscription(HOOK))
        assert len(recv.requests) == 1
        assert info.value.attempts == 1
        assert str(status) in str(info.value)

    @pytest.mark.parametrize("status", [408, 429])
    async def test_408_and_429_are_retried(self, status: int) -> None:
        recv = receiver(status, 200, **{"Retry-After": "0"})
        async with channel(recv) as webhook:
            await webhook.send(nato_alert(), webhook_subscription(HOOK))
        assert [r.status for r in recv.requests] == [status, 200]

    async def test_a_timed_out_try_is_retried_with_the_same_key(self) -> None:
        alert = nato_alert()
        recv = receiver(httpx.ReadTimeout, 200)  # httpx enforces timeout_s; here the first try times out
        async with channel(recv, timeout_s=0.2) as webhook:
            await webhook.send(alert, webhook_subscription(HOOK))
        assert len(recv.requests) == 2
        assert {r.headers[IDEMPOTENCY_HEADER.lower()] for r in recv.requests} == {alert.key}

    async def test_unreachable_target_raises_after_the_tries(self) -> None:
        # A real socket: nobody listens on the port, so each try is refused.
        async with channel(None, attempts=2) as webhook:
            with pytest.raises(DeliveryError) as info:
                await webhook.send(nato_alert(), webhook_subscription(f"http://127.0.0.1:{free_port()}/x"))
        assert info.value.attempts == 2

    async def test_unknown_subscriber_secret_is_a_delivery_error_without_a_request(self) -> None:
        sub = webhook_subscription(HOOK).model_copy(update={"subscriber": "mallory"})
        recv = receiver(200)
        async with channel(recv) as webhook:
            with pytest.raises(DeliveryError, match="no webhook secret"):
                await webhook.send(nato_alert(), sub)
        assert recv.requests == []

    async def test_no_webhook_url_is_a_delivery_error(self) -> None:
        recv = receiver(200)
        async with channel(recv) as webhook:
            with pytest.raises(DeliveryError, match="no webhook_url"):
                await webhook.send(nato_alert(), make_subscription())


class TestVerifySignature:
    body = b'{"key":"k"}'

    def test_accepts_a_fresh_signature(self) -> None:
        assert verify_signature(SECRET, 1_000, self.body, sign(SECRET, 1_000, self.body), now=1_100)
        assert verify_signature(SECRET, "1000", self.body, sign(SECRET, 1_000, self.body), now=1_000.5)

    def test_rejects_a_tampered_body(self) -> None:
        assert not verify_signature(SECRET, 1_000, b'{"key":"K"}', sign(SECRET, 1_000, self.body), now=1_000)

    def test_rejects_another_secret(self) -> None:
        assert not verify_signature(b"other", 1_000, self.body, sign(SECRET, 1_000, self.body), now=1_000)

    def test_rejects_a_changed_timestamp(self) -> None:
        assert not verify_signature(SECRET, 1_001, self.body, sign(SECRET, 1_000, self.body), now=1_000)

    def test_rejects_old_and_future_timestamps(self) -> None:
        signature = sign(SECRET, 1_000, self.body)
        assert not verify_signature(SECRET, 1_000, self.body, signature, now=1_301)
        assert not verify_signature(SECRET, 1_000, self.body, signature, now=699)
        assert verify_signature(SECRET, 1_000, self.body, signature, now=1_301, tolerance_s=600)

    def test_accepts_a_datetime_now(self) -> None:
        ts = int(NOW.timestamp())
        assert verify_signature(SECRET, ts, self.body, sign(SECRET, ts, self.body), now=NOW)

    @pytest.mark.parametrize("signature", ["", "sha256=", "sha1=abc", "garbage"])
    def test_rejects_malformed_signatures(self, signature: str) -> None:
        assert not verify_signature(SECRET, 1_000, self.body, signature, now=1_000)

    def test_rejects_a_malformed_timestamp(self) -> None:
        assert not verify_signature(SECRET, "soon", self.body, sign(SECRET, 1_000, self.body), now=1_000)

    @given(
        secret=st.binary(min_size=1), body=st.binary(), ts=st.integers(0, 2**40), flip=st.integers(0, 10**6)
    )
    def test_any_changed_byte_is_rejected(self, secret: bytes, body: bytes, ts: int, flip: int) -> None:
        signature = sign(secret, ts, body)
        assert verify_signature(secret, ts, body, signature, now=ts)
        if body:
            i = flip % len(body)
            tampered = body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1 :]
            assert not verify_signature(secret, ts, tampered, signature, now=ts)
