"""The message bus: one protocol; Kafka, embedded-log and in-memory backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wirewatch.bus.base import (
    HEADER_MESSAGE_TYPE,
    HEADER_SCHEMA_VERSION,
    HEADER_TRACE_ID,
    Bus,
    Consumer,
    Headers,
    Record,
    TopicSpec,
)
from wirewatch.bus.embedded import EmbeddedBus
from wirewatch.bus.memory import MemoryBus

if TYPE_CHECKING:
    from schemas import Topics
    from wirewatch.settings import Settings

__all__ = [
    "HEADER_MESSAGE_TYPE",
    "HEADER_SCHEMA_VERSION",
    "HEADER_TRACE_ID",
    "Bus",
    "Consumer",
    "EmbeddedBus",
    "Headers",
    "MemoryBus",
    "Record",
    "TopicSpec",
    "open_bus",
    "topic_specs",
]


def open_bus(settings: Settings) -> Bus:
    """The bus the settings ask for (not yet opened: use ``async with``)."""
    if settings.bus == "kafka":
        from wirewatch.bus.kafka import KafkaBus  # noqa: PLC0415 - aiokafka only when Kafka is used

        return KafkaBus(settings.kafka, topics=settings.topics)
    return EmbeddedBus(
        settings.data_dir,
        poll_interval_s=settings.embedded.poll_interval_s,
        session_timeout_s=settings.embedded.session_timeout_s,
        retention_check_s=settings.retention.check_interval_s,
        group_id=settings.topics.group,
    )


def topic_specs(topics: Topics, *, partitions: int) -> list[TopicSpec]:
    """The topics of a deployment, as :meth:`schemas.Topics.declarations` declares them."""
    return [
        TopicSpec(
            d.name,
            partitions=partitions if d.partitions == "n" else 1,
            compacted=d.cleanup == "compact",
            config=d.kafka_config(),
        )
        for d in topics.declarations()
    ]
