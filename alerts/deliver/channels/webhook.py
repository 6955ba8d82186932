"""Webhook delivery: a signed JSON POST per alert, retried with backoff, idempotent by key.

Receivers check a delivery with :func:`verify_signature` and de-duplicate on the
``Wirewatch-Idempotency-Key`` header: every try of one alert carries the same key
and the same body; only the timestamp (and so the signature) is fresh on each try,
so that a delivery retried late is not rejected as a replay.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx
import stamina
import structlog

from alerts.errors import AlertError, DeliveryError
from wirewatch.metrics import DELIVERIES

if TYPE_CHECKING:
    from collections.abc import Callable

    from schemas.models import Alert, Subscription

IDEMPOTENCY_HEADER = "Wirewatch-Idempotency-Key"
TIMESTAMP_HEADER = "Wirewatch-Timestamp"
SIGNATURE_HEADER = "Wirewatch-Signature"
_SIGNATURE_PREFIX = "sha256="
# 408 and 429 say "try again later"; every other 4xx will fail the same way next time.
_RETRYABLE_4XX = frozenset({408, 429})

log = structlog.get_logger(__name__)


def sign(secret: bytes, timestamp: int | str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``, the value of the signature header."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256)
    return _SIGNATURE_PREFIX + mac.hexdigest()


def verify_signature(
    secret: bytes,
    timestamp: int | str,
    body: bytes,
    signature: str,
    now: float | datetime,
    *,
    tolerance_s: float = 300,
) -> bool:
    """True when ``signature`` signs ``body`` at ``timestamp``, no more than ``tolerance_s`` from ``now``."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    now_s = now.timestamp() if isinstance(now, datetime) else now
    if abs(now_s - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def redact_url(url: str) -> str:
    """The URL without credentials, query or fragment (they may hold tokens), for logs and dead letters."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _RetryableStatusError(AlertError):
    """A 5xx, 408 or 429 answer: worth another try, maybe after ``retry_after`` seconds."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"webhook answered HTTP {status}", status=status)


class _RejectedError(AlertError):
    """Any other non-2xx answer: the receiver refuses the alert; trying again will not help."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"webhook rejected the alert with HTTP {status}", status=status)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare enough to fall back to our own backoff


class WebhookChannel:
    """POSTs each alert as JSON to ``options.webhook_url``, signed with the subscriber's secret."""

    name = "webhook"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        secret_for: Callable[[str], bytes],
        attempts: int = 5,
        wait_initial_s: float = 0.5,
        wait_max_s: float = 30.0,
        wait_jitter_s: float = 1.0,
        timeout_s: float = 10.0,
        total_timeout_s: float | None = 120.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._secret_for = secret_for
        self._attempts = attempts
        self._wait_initial_s = wait_initial_s
        self._wait_max_s = wait_max_s
        self._wait_jitter_s = wait_jitter_s
        self._timeout = httpx.Timeout(timeout_s)
        self._total_timeout_s = total_timeout_s
        self._clock = clock

    def _should_retry(self, exc: BaseException) -> bool | float:
        # stamina calls this with the failed try's exception: True/False, or the backoff in seconds.
        if isinstance(exc, _RetryableStatusError):
            if exc.retry_after is not None:
                return min(exc.retry_after, self._wait_max_s)
            return True
        return isinstance(exc, httpx.TransportError)

    def target_of(self, alert: Alert, subscription: Subscription) -> str:  # noqa: ARG002 - the protocol's
        """The delivery lane of an alert: its webhook URL (one failing receiver holds back only itself)."""
        return subscription.options.webhook_url or ""

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        """Deliver ``alert``; raise DeliveryError when refused (4xx) or when every try failed.

        The error is ``retryable`` unless the receiver refused the alert: the delivery stage then
        tries again later (with backoff, up to the alert's maximum age).
        """
        url = subscription.options.webhook_url
        if not url:
            raise DeliveryError(
                "subscription has no webhook_url",
                channel=self.name,
                target="",
                subscription_id=subscription.id,
            )
        target = redact_url(url)
        try:
            secret = self._secret_for(subscription.subscriber)
        except Exception as exc:
            raise DeliveryError(
                "no webhook secret for the subscriber",
                channel=self.name,
                target=target,
                attempts=0,
                subscriber=subscription.subscriber,
            ) from exc
        body = alert.to_bytes()
        tries = 0
        try:
            async for attempt in stamina.retry_context(
                on=self._should_retry,
                attempts=self._attempts,
                timeout=self._total_timeout_s,
                wait_initial=self._wait_initial_s,
                wait_max=self._wait_max_s,
                wait_jitter=self._wait_jitter_s,
            ):
                with attempt:
                    tries = attempt.num
                    if tries > 1:
                        DELIVERIES.labels(self.name, "retry").inc()
                    await self._post(url, body, alert.key, secret)
        except (httpx.HTTPError, _RetryableStatusError, _RejectedError) as exc:
            log.warning(
                "webhook delivery failed", target=target, key=alert.key, attempts=tries, error=str(exc)
            )
            raise DeliveryError(
                f"webhook delivery failed: {exc}",
                channel=self.name,
                target=target,
                attempts=tries,
                retryable=not isinstance(exc, _RejectedError),
                key=alert.key,
                subscription_id=subscription.id,
            ) from exc

    async def _post(self, url: str, body: bytes, key: str, secret: bytes) -> None:
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: key,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        }
        response = await self._client.post(url, content=body, headers=headers, timeout=self._timeout)
        if response.is_success:
            return
        if response.status_code >= 500 or response.status_code in _RETRYABLE_4XX:
            raise _RetryableStatusError(response.status_code, _retry_after(response))
        raise _RejectedError(response.status_code)
