"""``wirewatch topics``: create the declared topics, and report (or fix) drift on an existing cluster.

The declaration is :meth:`schemas.Topics.declarations` (partitions, cleanup policy, retention);
:func:`compare` is pure; :func:`apply_topics` reads and writes the bus. Partition counts are only
reported, never changed: adding partitions moves keys to other partitions and breaks the
co-partitioning of the changelogs with their inputs (see the README, State).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wirewatch.bus import EmbeddedBus, TopicSpec, open_bus, topic_specs
from wirewatch.errors import BusError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from wirewatch.settings import KafkaSettings, Settings


@dataclass(frozen=True, slots=True)
class Drift:
    """One way an existing topic differs from its declaration."""

    topic: str
    what: str  # "partitions", or a Kafka config name
    have: str
    want: str

    def __str__(self) -> str:
        return f"{self.topic}: {self.what} is {self.have}, declared {self.want}"


@dataclass(slots=True)
class TopicsReport:
    """What ``wirewatch topics`` found and did."""

    created: list[str] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> list[Drift]:
        """Drift still there after the run (altered configs are fixed; partitions never are)."""
        return [d for d in self.drift if d.what == "partitions" or d.topic not in self.altered]


def compare(declared: Sequence[TopicSpec], have: Mapping[str, TopicSpec]) -> list[Drift]:
    """How the existing topics differ from the declared ones (missing topics are not drift)."""
    out: list[Drift] = []
    for spec in declared:
        got = have.get(spec.name)
        if got is None:
            continue
        if got.partitions != spec.partitions:
            out.append(Drift(spec.name, "partitions", str(got.partitions), str(spec.partitions)))
        out.extend(
            Drift(spec.name, name, got.config.get(name, "(unset)"), want)
            for name, want in sorted(spec.config.items())
            if got.config.get(name) != want
        )
    return out


async def apply_topics(settings: Settings, *, alter: bool = False) -> TopicsReport:
    """Create the missing topics; report drift; with ``alter`` set the declared configs on drifted ones."""
    declared = topic_specs(settings.topics, partitions=settings.kafka.partitions)
    if settings.bus == "kafka":
        return await _apply_kafka(settings.kafka, declared, alter=alter)
    bus = open_bus(settings)
    if not isinstance(bus, EmbeddedBus):  # pragma: no cover - open_bus gives Kafka or the embedded log
        raise BusError("wirewatch topics needs Kafka or the embedded log", bus=settings.bus)
    async with bus:
        before = await bus.describe_topics()
        # The embedded log applies a declaration's configs whenever a stage starts: drift in them
        # is fixed at once (``altered``); a partition count stays as it was created.
        await bus.ensure_topics(declared)
    drift = compare(declared, before)
    return TopicsReport(
        created=[s.name for s in declared if s.name not in before],
        drift=drift,
        altered=sorted({d.topic for d in drift if d.what != "partitions"}),
    )


async def _apply_kafka(settings: KafkaSettings, declared: list[TopicSpec], *, alter: bool) -> TopicsReport:
    from aiokafka.admin import AIOKafkaAdminClient  # noqa: PLC0415 - aiokafka only when Kafka is used
    from aiokafka.errors import KafkaError  # noqa: PLC0415

    from wirewatch.bus.kafka import KafkaBus, security_options  # noqa: PLC0415

    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap, client_id=settings.client_id, **security_options(settings)
    )
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        async with KafkaBus(settings) as bus:
            await bus.ensure_topics(declared)
        have = await _describe(admin, [s for s in declared if s.name in existing])
        report = TopicsReport(created=[s.name for s in declared if s.name not in existing])
        report.drift = compare(declared, have)
        if alter:
            report.altered = await _alter(admin, declared, report.drift)
            await _settled(admin, [s for s in declared if s.name in report.altered])
    except KafkaError as exc:
        raise BusError(f"cannot check topics: {exc}", bootstrap=settings.bootstrap) from exc
    finally:
        await admin.close()
    return report


async def _describe(admin: Any, specs: Sequence[TopicSpec]) -> dict[str, TopicSpec]:
    """The existing topics' partition counts and the configs we declare, as the cluster has them."""
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType  # noqa: PLC0415

    if not specs:
        return {}
    metadata = await admin.describe_topics([s.name for s in specs])
    partitions = {t["topic"]: len(t["partitions"]) for t in metadata}
    resources = [ConfigResource(ConfigResourceType.TOPIC, s.name, dict(s.config)) for s in specs]
    configs: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(resources):
        for error_code, error_message, _type, name, entries in response.resources:
            if error_code:
                raise BusError(f"cannot describe topic configs: {error_message}", topic=name, code=error_code)
            configs[name] = {entry[0]: entry[1] for entry in entries}
    return {
        s.name: TopicSpec(s.name, partitions=partitions.get(s.name, 0), config=configs.get(s.name, {}))
        for s in specs
    }


async def _settled(admin: Any, specs: Sequence[TopicSpec], *, timeout_s: float = 30.0) -> None:
    """Wait until the brokers report the configs just altered (the controller applies them a moment later)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while specs:
        left = [d for d in compare(specs, await _describe(admin, specs)) if d.what != "partitions"]
        if not left:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise BusError("altered topic configs did not take effect", drift=[str(d) for d in left])
        await asyncio.sleep(0.5)


async def _alter(admin: Any, declared: Sequence[TopicSpec], drift: Sequence[Drift]) -> list[str]:
    """Set the declared configs on the topics whose configs drifted; return their names.

    AlterConfigs (not the incremental kind, which aiokafka lacks) replaces every override of a
    topic: an override that is not declared is dropped, which is what a declaration means here.
    """
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType  # noqa: PLC0415

    names = sorted({d.topic for d in drift if d.what != "partitions"})
    if not names:
        return []
    specs = {s.name: s for s in declared}
    resources = [ConfigResource(ConfigResourceType.TOPIC, n, dict(specs[n].config)) for n in names]
    for response in await admin.alter_configs(resources):
        for error_code, error_message, _type, name in response.resources:
            if error_code:
                raise BusError(f"cannot alter topic configs: {error_message}", topic=name, code=error_code)
    return names
