"""The composition root's stage table: the services are wired as it says, and the README shows it."""

from __future__ import annotations

from typing import cast

from alerts.deliver import DeliverService
from alerts.deliver.channels import MemoryChannel
from alerts.index import SubscriptionIndex
from alerts.service import AlertService
from alerts.store import SubscriptionStore
from processors import Tagger
from processors.pipeline import Enricher
from processors.service import ProcessService
from schemas import Topics
from tests.helpers import REPO
from wirewatch.bus import MemoryBus
from wirewatch.cli.topology import STAGES, render_markdown
from wirewatch.runner import Stage


def test_the_readme_shows_the_table() -> None:
    assert render_markdown() in (REPO / "README.md").read_text()


def test_services_read_write_and_keep_state_where_the_table_says() -> None:
    bus, topics = MemoryBus(), Topics()
    store = SubscriptionStore(bus, topics=topics, index=SubscriptionIndex())
    alert = AlertService(bus=bus, topics=topics, store=store)
    stages: dict[str, Stage] = {
        "process": ProcessService(bus=bus, topics=topics, enricher=Enricher(cast("Tagger", None))).stage(),
        "alert (match)": alert.match.stage(),
        "alert (mailbox)": alert.mailbox.stage(),
        "deliver": DeliverService(bus=bus, topics=topics, store=store, channel=MemoryChannel()).stage(),
    }
    for wiring in STAGES:
        stage = stages.get(wiring.stage)
        if stage is None:
            continue
        reads, _, state = wiring.topics(topics)
        assert stage.source in reads, wiring.stage
        assert stage.group == (wiring.group or "").replace("<channel>", "memory"), wiring.stage
        assert tuple(getattr(t, "topic", None) for t in stage.state) == state, wiring.stage
    assert set(stages) <= {w.stage for w in STAGES}
