"""Apprise delivery: one alert rendered as a short title and body, sent to each of a subscription's URLs.

Apprise speaks email, Slack, Telegram, ntfy, Matrix, plain JSON webhooks and many
more; Wirewatch writes none of those clients. Apprise's notify blocks, so it runs
in a worker thread; each URL is its own target, and a retry sends only to the
targets that have not accepted the alert yet.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import apprise
import stamina
import structlog

from alerts.errors import AlertError, DeliveryError
from wirewatch.metrics import DELIVERIES

if TYPE_CHECKING:
    from schemas.models import Alert, Subscription

log = structlog.get_logger(__name__)


def render(alert: Alert) -> tuple[str, str]:
    """The (title, body) of an alert: the story's title, why it matched, the link."""
    prefix = "" if alert.kind == "new" else f"[{alert.kind}] "
    title = f"{prefix}{alert.title}"
    lines = [alert.title, ""]
    if alert.explanation:
        lines.append("Why:")
        for clause in alert.explanation:
            found = ", ".join(dict.fromkeys(f"“{m.text}”" for m in clause.mentions))
            name = f" = {clause.tag_name}" if clause.tag_name else ""
            lines.append(f"  • {clause.clause}{name}" + (f" ({found})" if found else ""))
    lines += _news_lines(alert)
    if alert.url:
        lines.append(f"Link: {alert.url}")
    lines += [f"Query: {alert.query}", f"Alert: {alert.key}"]
    return title, "\n".join(lines)


def _news_lines(alert: Alert) -> list[str]:
    """What an update adds, or which versions a retraction withdraws (issue 15)."""
    news = alert.what_is_new
    if news is None:
        return []
    if news.withdraws:
        return ["Withdraws versions: " + ", ".join(map(str, news.withdraws))]
    parts = [
        (label, items)
        for label, items in (("Actors", news.actors), ("Places", news.places), ("Figures", news.numbers))
        if items
    ]
    lines = ["New:"] if parts or news.sentences else ["Nothing new to you in this copy."]
    lines += [f"  • {label}: {', '.join(items)}" for label, items in parts]
    lines += [f"  › {sentence}" for sentence in news.sentences]
    return lines


def redact_apprise_url(url: str) -> str:
    """Only the scheme of an Apprise URL: the rest usually holds a token or a password."""
    scheme, _, _ = url.partition("://")
    return f"{scheme}://…"


class _NotifyFailedError(AlertError):
    """Apprise reported that some targets did not accept the notification."""


class AppriseChannel:
    """Sends alerts through Apprise to ``subscription.options.apprise_urls``."""

    name = "apprise"

    def __init__(
        self,
        *,
        attempts: int = 3,
        wait_initial_s: float = 1.0,
        wait_max_s: float = 30.0,
        wait_jitter_s: float = 1.0,
        total_timeout_s: float | None = 120.0,
    ) -> None:
        self._attempts = attempts
        self._wait_initial_s = wait_initial_s
        self._wait_max_s = wait_max_s
        self._wait_jitter_s = wait_jitter_s
        self._total_timeout_s = total_timeout_s

    def target_of(self, alert: Alert, subscription: Subscription) -> str:  # noqa: ARG002 - the protocol's
        """The delivery lane of an alert: its set of Apprise URLs."""
        return "\n".join(sorted(subscription.options.apprise_urls))

    async def send(self, alert: Alert, subscription: Subscription) -> None:
        """Notify every URL; raise DeliveryError for a URL Apprise rejects or that failed every try."""
        targets: dict[str, apprise.Apprise] = {}
        for url in subscription.options.apprise_urls:
            target = apprise.Apprise()
            if not target.add(url):
                raise DeliveryError(
                    "Apprise does not understand the URL",
                    channel=self.name,
                    target=redact_apprise_url(url),
                    attempts=0,
                    subscription_id=subscription.id,
                )
            targets[url] = target
        if not targets:
            raise DeliveryError(
                "subscription has no apprise_urls",
                channel=self.name,
                target="",
                subscription_id=subscription.id,
            )
        title, body = render(alert)
        pending = dict(targets)
        tries = 0
        try:
            async for attempt in stamina.retry_context(
                on=_NotifyFailedError,
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
                    await self._notify_pending(pending, title, body)
        except _NotifyFailedError as exc:
            failed = ", ".join(redact_apprise_url(url) for url in pending)
            log.warning("apprise delivery failed", key=alert.key, targets=failed, attempts=tries)
            raise DeliveryError(
                "Apprise could not deliver",
                channel=self.name,
                target=failed,
                attempts=tries,
                retryable=True,
                key=alert.key,
                subscription_id=subscription.id,
            ) from exc

    @staticmethod
    async def _notify_pending(pending: dict[str, apprise.Apprise], title: str, body: str) -> None:
        # One thread per target and try: each call blocks on its own network round trip.
        urls = list(pending)
        results = await asyncio.gather(
            *(asyncio.to_thread(pending[url].notify, body=body, title=title) for url in urls)
        )
        for url, ok in zip(urls, results, strict=True):
            if ok:
                del pending[url]  # delivered: never sent again by a later try
        if pending:
            raise _NotifyFailedError(f"{len(pending)} of {len(urls)} Apprise targets failed")
