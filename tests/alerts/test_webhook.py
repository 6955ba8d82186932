"""Webhook channel against a real HTTP receiver on 127.0.0.1 (a small asyncio server)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.channels import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    dead_letter_for,
    sign,
    verify_signature,
)
from alerts.errors import DeliveryError
from schemas.models import Alert, MatchedClause, Mention, Subscription, SubscriptionOptions

SECRET = b"s3cret-of-alice"
NOW = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)


def make_alert(key: str = "sub-1:cluster-9:new") -> Alert:
    return Alert(
        key=key,
        kind="new",
        subscription_id="sub-1",
        subscriber="alice",
        story_id="story-1",
        cluster_id="cluster-9",
        title="NATO ministers meet in Brussels",
        url="https://example.test/story-1",
        query="actor:NATO AND country:BE",
        explanation=(
            MatchedClause(
                clause="actor:NATO",
                field="actor",
                value="NATO",
                tag_id="Q7184",
                tag_name="NATO",
                mentions=(Mention(field="title", start=0, end=4, text="NATO"),),
            ),
        ),
        created_at=NOW,
    )


def make_subscription(url: str) -> Subscription:
    return Subscription(
        id="sub-1",
        subscriber="alice",
        query="actor:NATO AND country:BE",
        options=SubscriptionOptions(channels=("webhook",), webhook_url=url),
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers each request with the next scripted reply; the last one repeats."""

    replies: list[tuple[int, float]]  # (status, seconds to stall before answering)
    extra_headers: dict[str, str] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?token=abc"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await reader.readline()
            if not request_line:
                return
            _, target, _ = request_line.decode().split(" ", 2)
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status, stall = self.replies[min(len(self.requests), len(self.replies) - 1)]
            self.requests.append(Received(target, headers, body, status))
            if stall:
                await asyncio.sleep(stall)
            extra = "".join(f"{k}: {v}\r\n" for k, v in self.extra_headers.items())
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n{extra}\r\nok".encode()
            )
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@contextlib.asynccontextmanager
async def receiver(*replies: int | tuple[int, float], **extra_headers: str) -> AsyncIterator[Receiver]:
    recv = Receiver([r if isinstance(r, tuple) else (r, 0.0) for r in replies], dict(extra_headers))
    server = await asyncio.start_server(recv.handle, "127.0.0.1", 0)
    recv.port = server.sockets[0].getsockname()[1]
    async with server:
        yield recv
        server.close()


@contextlib.asynccontextmanager
async def channel(*, attempts: int = 3, timeout_s: float = 10.0) -> AsyncIterator[WebhookChannel]:
    async with httpx.AsyncClient() as client:
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
        alert = make_alert()
        async with receiver(503, 500, 200) as recv, channel() as webhook:
            await webhook.send(alert, make_subscription(recv.url))
        assert [r.status for r in recv.requests] == [503, 500, 200]
        assert {r.headers[IDEMPOTENCY_HEADER.lower()] for r in recv.requests} == {alert.key}
        assert len({r.body for r in recv.requests}) == 1
        for req in recv.requests:
            assert req.path == "/hook?token=abc"
            assert_signed(req, alert)

    async def test_each_try_is_signed_at_its_own_time(self) -> None:
        alert = make_alert()
        clock = iter([1_000.0, 1_010.5, 1_020.9]).__next__
        async with receiver(500, 500, 200) as recv, httpx.AsyncClient() as client:
            webhook = WebhookChannel(
                client,
                secret_for=lambda _: SECRET,
                attempts=3,
                wait_initial_s=0.01,
                wait_jitter_s=0.0,
                clock=clock,
            )
            await webhook.send(alert, make_subscription(recv.url))
        stamps = [r.headers[TIMESTAMP_HEADER.lower()] for r in recv.requests]
        assert stamps == ["1000", "1010", "1020"]
        for req, ts in zip(recv.requests, (1_000, 1_010, 1_020), strict=True):
            assert verify_signature(SECRET, ts, req.body, req.headers[SIGNATURE_HEADER.lower()], now=ts)
        assert len({r.headers[SIGNATURE_HEADER.lower()] for r in recv.requests}) == 3

    async def test_always_failing_raises_delivery_error_and_makes_a_dead_letter(self) -> None:
        alert = make_alert()
        async with receiver(503) as recv, channel(attempts=3) as webhook:
            with pytest.raises(DeliveryError) as info:
                await webhook.send(alert, make_subscription(recv.url))
        assert len(recv.requests) == 3
        err = info.value
        assert (err.channel, err.attempts) == ("webhook", 3)
        assert err.target == f"http://127.0.0.1:{recv.port}/hook"  # the token in the query is not leaked
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
        async with receiver(status, 200) as recv, channel() as webhook:
            with pytest.raises(DeliveryError) as info:
                await webhook.send(make_alert(), make_subscription(recv.url))
        assert len(recv.requests) == 1
        assert info.value.attempts == 1
        assert str(status) in str(info.value)

    @pytest.mark.parametrize("status", [408, 429])
    async def test_408_and_429_are_retried(self, status: int) -> None:
        async with receiver(status, 200, **{"Retry-After": "0"}) as recv, channel() as webhook:
            await webhook.send(make_alert(), make_subscription(recv.url))
        assert [r.status for r in recv.requests] == [status, 200]

    async def test_a_timed_out_try_is_retried_with_the_same_key(self) -> None:
        alert = make_alert()
        async with receiver((200, 2.0), 200) as recv, channel(timeout_s=0.2) as webhook:
            await webhook.send(alert, make_subscription(recv.url))
        assert len(recv.requests) == 2
        assert {r.headers[IDEMPOTENCY_HEADER.lower()] for r in recv.requests} == {alert.key}

    async def test_unreachable_target_raises_after_the_tries(self) -> None:
        async with receiver(200) as recv:
            url = recv.url
        async with channel(attempts=2) as webhook:  # the receiver is gone: connection refused
            with pytest.raises(DeliveryError) as info:
                await webhook.send(make_alert(), make_subscription(url))
        assert info.value.attempts == 2

    async def test_unknown_subscriber_secret_is_a_delivery_error_without_a_request(self) -> None:
        sub = make_subscription("http://127.0.0.1:9/x").model_copy(update={"subscriber": "mallory"})
        async with channel() as webhook:
            with pytest.raises(DeliveryError, match="no webhook secret"):
                await webhook.send(make_alert(), sub)

    async def test_no_webhook_url_is_a_delivery_error(self) -> None:
        sub = Subscription(id="sub-1", subscriber="alice", query="actor:NATO")
        async with channel() as webhook:
            with pytest.raises(DeliveryError, match="no webhook_url"):
                await webhook.send(make_alert(), sub)


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
