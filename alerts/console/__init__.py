"""The web console: Operations, Alerts, Subscriptions and Stories pages, served by the API process.

:func:`console_router` gives the routes (mounted by :func:`alerts.api.create_api`), over a
:class:`Console` that follows the DLQ and the enriched topic (run its ``follow()`` beside the API)
and an :class:`Authority` that knows the tokens and roles. The page itself is plain HTML, CSS and
JavaScript in ``alerts/console/static/``, served from the package: nothing comes from the internet.
"""

import secrets
from typing import TYPE_CHECKING

import structlog

from alerts.console.auth import Authority, Principal
from alerts.console.core import Console
from alerts.console.routes import console_router

if TYPE_CHECKING:
    from fastapi import APIRouter

    from alerts.deliver.channels.sse import SseHub
    from alerts.store import SubscriptionStore
    from wirewatch.bus.base import Bus
    from wirewatch.settings import Settings

__all__ = [
    "LOCAL_OPERATOR",
    "Authority",
    "Console",
    "Principal",
    "console_router",
    "for_settings",
    "local_operator_token",
]


#: Who the token made by :func:`local_operator_token` names.
LOCAL_OPERATOR = "operator"


def local_operator_token() -> dict[str, str]:
    """No tokens configured: one operator token for this run, logged once (as Jupyter does).

    A fresh ``make run`` can then open the console at once; set ``WIREWATCH_API__TOKENS`` (and
    ``__OPERATORS``) for anything that lives longer than one run.
    """
    token = secrets.token_urlsafe(18)
    structlog.get_logger("alerts.console").warning(
        "no API tokens configured (WIREWATCH_API__TOKENS): sign in to the console with this token, "
        "good for this run only",
        who=LOCAL_OPERATOR,
        token=token,
    )
    return {token: LOCAL_OPERATOR}


def for_settings(
    settings: "Settings",
    bus: "Bus",
    store: "SubscriptionStore",
    hub: "SseHub | None",
    tokens: "dict[str, str] | None" = None,
) -> tuple[Console, "APIRouter"]:
    """The console of a deployment: ``tokens`` (token → subscriber) default to ``api.tokens``.

    Operators are ``api.operators`` and ``api.admins`` (and the one-run operator when no token is
    configured at all).
    """
    if tokens is None:
        tokens = {token.get_secret_value(): who for who, token in settings.api.tokens.items()}
    operators = settings.api.operators | settings.api.admins
    if not settings.api.tokens:
        operators |= {LOCAL_OPERATOR}
    authority = Authority(tokens, operators)
    kafka = settings.bus == "kafka"
    label = f"kafka {settings.kafka.bootstrap}" if kafka else f"embedded {settings.data_dir}"
    mqtt = settings.mqtt
    console = Console(
        bus=bus,
        topics=settings.topics,
        store=store,
        hub=hub,
        bus_label=label,
        mqtt=(mqtt.host, mqtt.port),
        mqtt_embedded=mqtt.embedded,
    )
    return console, console_router(console, authority)
