"""Which stage reads and writes which topic: the one table of the composition root.

``wirewatch run`` and the per-stage commands build their services from it; the README's
architecture table is rendered from it (``python -m wirewatch.cli.topology``), and a test keeps the
two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas import Topics

__all__ = ["STAGES", "StageWiring", "render_markdown"]


@dataclass(frozen=True, slots=True)
class StageWiring:
    """One stage: its pure pipeline, its service, its consumer group, its topics and its state.

    Topics are named by their :class:`schemas.Topics` attribute (``raw``, ``enriched``…).
    """

    stage: str
    pipeline: str
    service: str
    group: str | None
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    state: tuple[str, ...] = ()

    def topics(self, topics: Topics) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """The real topic names this stage reads, writes, and keeps its state in."""

        def names(attrs: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(getattr(topics, a) for a in attrs)

        return names(self.reads), names(self.writes), names(self.state)


STAGES: tuple[StageWiring, ...] = (
    StageWiring(
        stage="ingest",
        pipeline="ingest.parse + ingest.Ingestor",
        service="ingest.service.IngestService",
        group=None,
        reads=(),
        writes=("raw", "dlq"),
        state=("ingest_seen",),
    ),
    StageWiring(
        stage="process",
        pipeline="processors.pipeline.Enricher",
        service="processors.service.ProcessService",
        group="wirewatch-process",
        reads=("raw", "knowledge"),  # knowledge: followed whole, the tagger rebuilt on a change
        writes=("enriched", "dlq"),
        state=("signatures",),
    ),
    StageWiring(
        stage="alert (match)",
        pipeline="alerts.pipeline.match_story",
        service="alerts.service.MatchService",
        group="wirewatch-alert",
        reads=("enriched", "subscriptions"),
        writes=("matches", "dlq"),
        state=("alert_threads",),
    ),
    StageWiring(
        stage="alert (mailbox)",
        pipeline="alerts.pipeline.route",
        service="alerts.service.MailboxService",
        group="wirewatch-mailbox",
        reads=("matches", "subscriptions"),
        writes=("alerts", "dlq"),
        state=("mailboxes",),
    ),
    StageWiring(
        stage="deliver",
        pipeline="alerts.deliver.channels (one per channel)",
        service="alerts.deliver.DeliverService",
        group="wirewatch-deliver-<channel>",
        reads=("alerts", "subscriptions"),
        writes=("dlq",),
        state=("deliveries",),
    ),
    StageWiring(
        stage="api",
        pipeline="alerts.api.create_api",
        service="uvicorn",
        group=None,
        # alerts: the SSE history, read back at start; dlq: the console's dead letters, which a
        # redrive republishes to the topic each came from (stories.raw, stories.enriched, alerts…)
        reads=("subscriptions", "enriched", "alerts", "dlq", "knowledge"),
        writes=("subscriptions", "knowledge", "raw", "enriched", "alerts"),
    ),
)


def render_markdown(topics: Topics | None = None) -> str:
    """The stage table as it stands in the README."""
    t = topics or Topics()
    rows = [
        "| Stage | Pure pipeline | Service | Group | Reads | Writes | State (changelog) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in STAGES:
        reads, writes, state = s.topics(t)
        rows.append(
            f"| {s.stage} | `{s.pipeline}` | `{s.service}` | {s.group or '—'} | "
            f"{', '.join(f'`{n}`' for n in reads) or '—'} | {', '.join(f'`{n}`' for n in writes)} | "
            f"{', '.join(f'`{n}`' for n in state) or '—'} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(render_markdown())  # noqa: T201 - a tool that prints the README table
