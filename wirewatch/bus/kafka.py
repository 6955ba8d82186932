"""The Kafka backend (aiokafka): idempotent producer, manual commits, explicit topics."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.helpers import create_ssl_context

from wirewatch.bus.base import Headers, Record, TopicSpec, pending_acks
from wirewatch.bus.kafka_codec import KeyPartitioner, use_lz4_level
from wirewatch.errors import BusClosedError, BusError, ConfigError

log = structlog.get_logger("wirewatch.bus.kafka")

if TYPE_CHECKING:
    from types import TracebackType

    from schemas import Topics
    from wirewatch.settings import KafkaSettings

_TOPIC_ALREADY_EXISTS = 36
_TLS_PROTOCOLS = frozenset({"SSL", "SASL_SSL"})


def security_options(settings: KafkaSettings) -> dict[str, Any]:
    """The aiokafka options for ``settings.security_protocol``: an SSL context and SASL credentials.

    aiokafka refuses SSL without an ``ssl_context``; ours trusts ``ssl_cafile`` (else the system's
    CAs), presents ``ssl_certfile``/``ssl_keyfile`` for mutual TLS and checks the broker's host
    name unless ``ssl_check_hostname`` is off. The producer, consumers and admin client all use it.
    """
    s = settings
    options: dict[str, Any] = {"security_protocol": s.security_protocol}
    if s.security_protocol in _TLS_PROTOCOLS:
        options["ssl_context"] = _ssl_context(s)
    if s.security_protocol.startswith("SASL_"):
        if not s.sasl_username:
            raise ConfigError(
                f"security_protocol {s.security_protocol} needs kafka.sasl_username and kafka.sasl_password",
                security_protocol=s.security_protocol,
            )
        options |= {
            "sasl_mechanism": s.sasl_mechanism,
            "sasl_plain_username": s.sasl_username,
            "sasl_plain_password": s.sasl_password.get_secret_value() if s.sasl_password else "",
        }
    elif s.sasl_username:
        raise ConfigError(
            "kafka.sasl_username is set but security_protocol is not SASL_PLAINTEXT or SASL_SSL",
            security_protocol=s.security_protocol,
        )
    return options


def _ssl_context(s: KafkaSettings) -> ssl.SSLContext:
    if s.ssl_keyfile is not None and s.ssl_certfile is None:
        raise ConfigError("kafka.ssl_keyfile is set without kafka.ssl_certfile", keyfile=str(s.ssl_keyfile))
    try:
        context: ssl.SSLContext = create_ssl_context(
            cafile=s.ssl_cafile,
            certfile=s.ssl_certfile,
            keyfile=s.ssl_keyfile,
            password=s.ssl_key_password.get_secret_value() if s.ssl_key_password else None,
        )
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load Kafka TLS files: {exc}",
            cafile=str(s.ssl_cafile),
            certfile=str(s.ssl_certfile),
            keyfile=str(s.ssl_keyfile),
        ) from exc
    context.check_hostname = s.ssl_check_hostname
    return context


class KafkaBus:
    """A bus over Apache Kafka. One producer per bus; one consumer per ``consumer()`` context."""

    def __init__(self, settings: KafkaSettings, *, topics: Topics | None = None) -> None:
        self._settings = settings
        # Group ids are named per deployment (Topics.group): two prefixes on one cluster, two groups.
        self._topics = topics
        self._producer: AIOKafkaProducer | None = None
        self._state = "unopened"
        self._known: set[str] = set()  # topics seen in the cluster's metadata
        # Built once: a bad CA or key path fails here, with the setting's name, not on first connect.
        self._security = security_options(settings)

    def _common(self) -> dict[str, Any]:
        return {
            "bootstrap_servers": self._settings.bootstrap,
            "client_id": self._settings.client_id,
            **self._security,
        }

    async def __aenter__(self) -> Self:
        if self._state != "unopened":
            raise BusClosedError("a KafkaBus cannot be reopened", bootstrap=self._settings.bootstrap)
        s = self._settings
        if s.compression == "lz4":
            use_lz4_level()  # fast lz4, not aiokafka's LZ4-HC: 7x less CPU per batch (kafka_codec)
        producer = AIOKafkaProducer(
            **self._common(),
            # Idempotence forces acks=all: a publish that returned is on every in-sync replica, once.
            enable_idempotence=True,
            linger_ms=s.linger_ms,
            max_batch_size=s.max_batch_bytes,
            compression_type=None if s.compression == "none" else s.compression,
            partitioner=KeyPartitioner(),  # murmur2 as aiokafka's, once per key
        )
        try:
            await producer.start()
        except KafkaError as exc:
            await producer.stop()
            raise BusError(f"cannot connect to Kafka: {exc}", bootstrap=s.bootstrap) from exc
        self._producer = producer
        self._state = "opened"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        self._state = "closed"

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        """Create missing topics with the admin client (brokers run with auto-create off)."""
        admin = AIOKafkaAdminClient(**self._common())
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            new = [
                NewTopic(
                    s.name,
                    num_partitions=s.partitions,
                    replication_factor=self._settings.replication_factor,
                    topic_configs={"cleanup.policy": "compact", **s.config}
                    if s.compacted
                    else dict(s.config),
                )
                for s in specs
                if s.name not in existing
            ]
            if new:
                response = await admin.create_topics(new)
                for name, code, *rest in response.topic_errors:
                    if code not in (0, _TOPIC_ALREADY_EXISTS):
                        raise BusError(f"cannot create topic: error {code} {rest}", topic=name)
            await self._wait_for_metadata([s.name for s in specs])
        except KafkaError as exc:
            raise BusError(f"cannot create topics: {exc}", bootstrap=self._settings.bootstrap) from exc
        finally:
            await admin.close()

    async def _wait_for_metadata(self, names: list[str]) -> None:
        producer = self._require_producer()
        async with asyncio.timeout(30):
            for name in names:
                while not await producer.partitions_for(name):
                    await asyncio.sleep(0.1)

    def _require_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise BusClosedError("Kafka bus is not open", bootstrap=self._settings.bootstrap)
        return self._producer

    async def publish(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Headers = (),
        partition: int | None = None,
    ) -> None:
        """Send one message; wait for the broker's acknowledgement (or owe it, in ``deferred_acks``)."""
        producer = self._require_producer()
        if topic not in self._known:
            await self._check_topic(producer, topic)
        try:
            future = await producer.send(
                topic, value=value, key=key, headers=list(headers), partition=partition
            )
        except KafkaError as exc:
            raise BusError(f"publish failed: {exc}", topic=topic) from exc

        async def acknowledged() -> None:
            try:
                await future
            except KafkaError as exc:
                raise BusError(f"publish failed: {exc}", topic=topic) from exc

        acks = pending_acks()
        if acks is None:
            await acknowledged()
        else:
            acks.add(acknowledged)

    async def _check_topic(self, producer: AIOKafkaProducer, topic: str) -> None:
        """Fail fast on a topic that does not exist (aiokafka would wait for it for 40 s)."""
        try:
            metadata = await producer.client.fetch_all_metadata()
        except KafkaError as exc:
            raise BusError(f"cannot read the cluster's metadata: {exc}", topic=topic) from exc
        if topic not in metadata.topics():
            raise BusError("unknown topic (topics are created explicitly)", topic=topic)
        self._known.add(topic)

    def consumer(
        self,
        topics: Sequence[str],
        *,
        group: str | None,
        from_beginning: bool = True,
        partitions: Sequence[int] | None = None,
    ) -> KafkaConsumer:
        """A consumer in ``group``; with no group it is assigned every partition and never commits.

        ``group`` is the stage's name for it; the id given to Kafka carries the deployment's topic
        prefix (:meth:`schemas.Topics.group`) unless the prefix is the default one.
        """
        group = None if group is None else self.group_id(group)
        return KafkaConsumer(self, list(topics), group, from_beginning=from_beginning, partitions=partitions)

    def group_id(self, group: str) -> str:
        """The id Kafka gets for the stage's group ``group`` (the deployment's prefix, if any)."""
        return group if self._topics is None else self._topics.group(group)


class KafkaConsumer:
    """One aiokafka consumer, manual commits only."""

    def __init__(
        self,
        bus: KafkaBus,
        topics: list[str],
        group: str | None,
        *,
        from_beginning: bool,
        partitions: Sequence[int] | None = None,
    ) -> None:
        self._bus = bus
        self._topics = topics
        self._group = group
        self._only = None if partitions is None else frozenset(partitions)
        s = bus._settings  # noqa: SLF001
        self._consumer = AIOKafkaConsumer(
            **bus._common(),  # noqa: SLF001
            group_id=group,
            enable_auto_commit=False,  # at-least-once: we commit after the work is done
            auto_offset_reset="earliest" if from_beginning else "latest",
            session_timeout_ms=s.session_timeout_ms,
            heartbeat_interval_ms=s.heartbeat_interval_ms,
            isolation_level="read_committed",
        )

    async def __aenter__(self) -> Self:
        c = self._consumer
        try:
            await c.start()
            if self._group is None:
                c.assign(await self._all_partitions())
            else:
                c.subscribe(self._topics)
        except KafkaError as exc:
            await c.stop()
            raise BusError(f"cannot start consumer: {exc}", topics=",".join(self._topics)) from exc
        return self

    async def _all_partitions(self) -> list[TopicPartition]:
        # A new consumer knows no topic yet; the producer's partitions_for() waits for the metadata.
        producer = self._bus._require_producer()  # noqa: SLF001
        return [
            TopicPartition(t, p)
            for t in self._topics
            for p in sorted(await producer.partitions_for(t))
            if self._only is None or p in self._only
        ]

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # aiokafka (0.14) cancels a group-less consumer's background task on stop and awaits it; a
        # task cancelled before it ever ran re-raises CancelledError into us. One loop turn lets it start.
        await asyncio.sleep(0)
        await self._consumer.stop()

    async def getmany(self, *, timeout_s: float = 1.0, max_records: int = 100) -> list[Record]:
        """Fetch the next batch (possibly empty)."""
        try:
            batches = await self._consumer.getmany(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        except KafkaError as exc:
            raise BusError(f"fetch failed: {exc}", topics=",".join(self._topics)) from exc
        # A list, not a generator, per record's headers; none at all for records without any.
        return [
            Record(
                m.topic,
                m.partition,
                m.offset,
                m.key,
                m.value,
                tuple([(k, v if type(v) is bytes else bytes(v)) for k, v in m.headers]) if m.headers else (),
                m.timestamp,
            )
            for msgs in batches.values()
            for m in msgs
        ]

    async def commit(self, records: Sequence[Record]) -> None:
        """Commit past the given records (each partition's highest offset + 1).

        Partitions taken away by a rebalance meanwhile are not committed: their new owner
        reads those records again (at-least-once; handlers are idempotent).
        """
        if self._group is None or not records:
            return
        owned = self._consumer.assignment()
        top: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            if tp in owned:
                top[tp] = max(top.get(tp, -1), r.offset + 1)
        if not top:
            return
        try:
            await self._consumer.commit(top)
        except (CommitFailedError, IllegalStateError) as exc:
            log.warning("commit refused after a rebalance; the new owner reads again", error=str(exc))
        except KafkaError as exc:
            raise BusError(f"commit failed: {exc}", group=self._group) from exc

    def assignment(self) -> frozenset[tuple[str, int]]:
        """The partitions this consumer reads now."""
        return frozenset((tp.topic, tp.partition) for tp in self._consumer.assignment())

    async def seek_to_beginning(self) -> None:
        """Replay the assigned partitions from the beginning."""
        await self._consumer.seek_to_beginning()

    async def assignment_end_offsets(self) -> dict[tuple[str, int], int]:
        """The end offset of each assigned partition."""
        parts = list(self._consumer.assignment())
        if not parts:
            return {}
        ends = await self._consumer.end_offsets(parts)
        return {(tp.topic, tp.partition): off for tp, off in ends.items()}

    async def seek(self, topic: str, partition: int, offset: int) -> None:
        """Read ``topic``/``partition`` from ``offset`` on (the partition must be assigned)."""
        try:
            self._consumer.seek(TopicPartition(topic, partition), offset)
        except IllegalStateError as exc:
            raise BusError(f"cannot seek: {exc}", topic=topic, partition=partition) from exc

    async def lag(self) -> dict[tuple[str, int], int]:
        """Highwater (from the last fetch) minus position, per assigned partition.

        A partition not fetched yet has no highwater: its end offset is asked for (one request).
        """
        c = self._consumer
        parts = list(c.assignment())
        highwater = {tp: c.highwater(tp) for tp in parts}
        unknown = [tp for tp, hw in highwater.items() if hw is None]
        try:
            if unknown:
                highwater |= await c.end_offsets(unknown)
        except KafkaError as exc:
            raise BusError(f"cannot read the end offsets: {exc}", group=self._group) from exc
        out: dict[tuple[str, int], int] = {}
        for tp in parts:
            end = highwater[tp]
            with contextlib.suppress(IllegalStateError):  # taken away by a rebalance meanwhile
                if end is not None:
                    out[tp.topic, tp.partition] = max(0, end - await c.position(tp))
        return out
