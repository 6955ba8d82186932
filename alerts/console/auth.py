"""Who is calling the console, and in which role: bearer tokens, and tickets for event streams.

The console uses the API's tokens (``WIREWATCH_API__TOKENS``: subscriber → token). A subscriber
named in ``WIREWATCH_API__OPERATORS`` (or ``ADMINS``) is an *operator*: the Operations page,
every analyst's alerts, dead-letter redrive. Everyone else with a token is an *analyst* and sees
their own subscriptions and alerts only.

A browser's ``EventSource`` cannot send an ``Authorization`` header, so the page trades its
token for a short-lived *ticket* (``POST /console/api/ticket``) and opens the stream with
``?ticket=``: the long-lived token never appears in a URL (proxy and access logs keep URLs).
A ticket is ``<subscriber>.<expiry>.<HMAC>`` under a key made at start: nothing to store, and it
dies with the process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

Role = Literal["operator", "analyst"]

#: How long a stream ticket is good for (the page asks for a new one when its stream breaks).
TICKET_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the subscriber its token names, and its role."""

    who: str
    role: Role

    @property
    def operator(self) -> bool:
        """Whether the caller may see everything and redrive dead letters."""
        return self.role == "operator"


class Authority:
    """Checks bearer tokens and stream tickets (pure: the caller passes the time)."""

    def __init__(
        self, tokens: dict[str, str], operators: frozenset[str], *, key: bytes | None = None
    ) -> None:
        """``tokens`` maps token → subscriber; ``operators`` are subscribers with the operator role."""
        self._tokens = [(token.encode(), who) for token, who in tokens.items() if token]
        self._operators = operators
        self._key = key or secrets.token_bytes(32)

    def principal(self, who: str) -> Principal:
        """The role of ``who``."""
        return Principal(who, "operator" if who in self._operators else "analyst")

    def by_token(self, token: str | None) -> Principal | None:
        """The caller a bearer token names, or None (compared in constant time)."""
        if not token:
            return None
        given = token.encode()
        found: str | None = None
        for known, who in self._tokens:
            if hmac.compare_digest(known, given):
                found = who
        return None if found is None else self.principal(found)

    def ticket(self, who: str, now: float) -> str:
        """A stream ticket for ``who``, good for :data:`TICKET_SECONDS` from ``now`` (epoch seconds)."""
        body = f"{_b64(who.encode())}.{int(now) + TICKET_SECONDS}"
        return f"{body}.{self._sign(body)}"

    def by_ticket(self, ticket: str | None, now: float) -> Principal | None:
        """The caller a ticket names if it is genuine and not expired, else None."""
        if not ticket or ticket.count(".") != 2:
            return None
        name, expiry, signature = ticket.split(".")
        if not hmac.compare_digest(self._sign(f"{name}.{expiry}"), signature):
            return None
        if not expiry.isdigit() or int(expiry) < now:
            return None
        try:
            who = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
        except ValueError:
            return None
        return self.principal(who)

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
