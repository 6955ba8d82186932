"""Five-minute outages (``make chaos``): Mosquitto stopped, a webhook answering 503 (the suite runs seconds).

The same tests as ``tests/alerts/test_deliver_outage.py`` with the outage the issue names;
``WIREWATCH_CHAOS_OUTAGE_S`` sets another length.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.test_deliver_outage import SERVICE, Mosquitto, mqtt_outage, webhook_outage
from tests.brokers import MosquittoBroker

OUTAGE_S = float(os.environ.get("WIREWATCH_CHAOS_OUTAGE_S", "300"))


@pytest.fixture
def mosquitto_to_stop(tmp_path: Path) -> Iterator[Mosquitto]:
    users = {SERVICE: secrets.token_urlsafe(12), "alice": secrets.token_urlsafe(12)}
    broker = MosquittoBroker()
    broker.start(tmp_path / "mosquitto", users)
    try:
        yield Mosquitto(broker, users)
    finally:
        broker.stop()


@pytest.mark.chaos
@pytest.mark.integration
@pytest.mark.timeout(OUTAGE_S + 600)
async def test_mqtt_outage_of_five_minutes_loses_nothing(mosquitto_to_stop: Mosquitto) -> None:
    figures = await mqtt_outage(mosquitto_to_stop, OUTAGE_S, before=100, during=1000)
    print(figures)  # noqa: T201 - the run's figures


@pytest.mark.chaos
@pytest.mark.integration
@pytest.mark.timeout(OUTAGE_S + 600)
async def test_webhook_failing_for_five_minutes_delays_no_other_target() -> None:
    await webhook_outage(OUTAGE_S, per_target=50)
