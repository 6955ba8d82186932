"""The messages that cross Wirewatch's topics.

Every model is a frozen pydantic v2 model: stages pass them around as values and
serialise them only at the edges (``to_bytes`` / ``from_bytes``). Every message
carries ``schema_version`` so that downstream consumers can refuse what they do
not understand. Adding an optional field is a compatible change; renaming or
removing one bumps ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import base64
import enum
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
DLQ_RAW_LIMIT = 64 * 1024
#: The delivery channels a subscription may ask for (the CLI and the API refuse any other name).
CHANNELS = ("mqtt", "webhook", "apprise", "sse")

TextField = Literal["title", "standfirst", "body"]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Message(BaseModel):
    """Base of every message: frozen, strict about unknown fields, versioned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION

    def to_bytes(self) -> bytes:
        """Serialise to compact UTF-8 JSON (the wire format of every topic).

        The bytes pydantic's serializer makes, as they are: ``model_dump_json()`` would decode them
        to a str that we would encode again (two copies of a 26 KB enriched story; ~25 % of it).
        """
        data: bytes = self.__pydantic_serializer__.to_json(self)
        return data

    @classmethod
    def from_bytes(cls, data: bytes | str) -> Self:
        """Parse and validate a message from JSON bytes, ignoring fields this release does not know.

        A reader tolerates the new optional fields of a later minor version (the versioning policy,
        README: Contracts); what it builds itself stays strict (``extra="forbid"``).
        """
        return cls.model_validate_json(data, extra="ignore")


class PubStatus(enum.StrEnum):
    """IPTC pubstatus: ``canceled`` and ``withheld`` retract a story."""

    USABLE = "usable"
    CANCELED = "canceled"
    WITHHELD = "withheld"


class DateSource(enum.StrEnum):
    """Where ``published_at`` came from, so analysts know how far to trust it."""

    METADATA = "metadata"  # the agency's or the page's own metadata
    FEED = "feed"  # the feed entry
    DATELINE = "dateline"  # a date in the dateline ("MOSCOW, Feb 16 (Reuters) -")
    TEXT = "text"  # a date found in the story's text
    INGEST = "ingest"  # nothing trustworthy: the time we ingested it


class Story(Message):
    """A normalized wire story, as published to ``stories.raw``."""

    id: str = Field(min_length=1, description="Agency guid/uri, else canonical URL, else content hash.")
    version: int = Field(default=1, ge=1, description="Agency version; a higher one replaces the older.")
    pubstatus: PubStatus = PubStatus.USABLE
    title: str
    standfirst: str | None = None
    body: str = Field(description="Paragraphs separated by a blank line.")
    byline: str | None = None
    language: str | None = Field(default=None, description="ISO 639-1 code.")
    published_at: AwareDatetime | None = None
    published_at_source: DateSource = DateSource.INGEST
    dateline: str | None = Field(default=None, description="The dateline place, e.g. 'MOSCOW'.")
    source: str = Field(description="Where it came from: feed, agency or source name.")
    url: str | None = None
    content_hash: str = Field(description="sha256 of the normalized title and body.")
    ingested_at: AwareDatetime
    urgency: int | None = Field(default=None, ge=1, le=9)
    embargoed_until: AwareDatetime | None = None
    format: str = Field(
        default="text", description="Input format: text, html, rss, atom, ninjs, newsml, json."
    )

    @property
    def paragraphs(self) -> list[str]:
        """The body split into its paragraphs."""
        return [p for p in self.body.split("\n\n") if p.strip()]

    @property
    def retracted(self) -> bool:
        """True when the agency canceled or withheld the story."""
        return self.pubstatus is not PubStatus.USABLE


class Mention(BaseModel):
    """Where a tag was found: ``text == getattr(story, field)[start:end]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: TextField
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Geo(BaseModel):
    """Where a place is: its point and its admin path (GeoNames; countries' points: Natural Earth)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float | None = Field(default=None, ge=-90.0, le=90.0, description="Latitude, WGS84 degrees.")
    lon: float | None = Field(default=None, ge=-180.0, le=180.0, description="Longitude, WGS84 degrees.")
    feature: Literal["A", "P"] = Field(
        description="GeoNames feature class: A a country or subdivision, P a populated place."
    )
    population: int = Field(default=0, ge=0)
    path: tuple[str, ...] = Field(
        default=(),
        description="The admin units the place is in, largest first: country, then ISO 3166-2 subdivision.",
    )
    geonames_id: int | None = None


class Tag(BaseModel):
    """A place, region, actor or topic found in a story, with its evidence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="Stable id: ISO code, GeoNames id, Wikidata QID or a curated slug.")
    name: str
    type: str = Field(
        description="e.g. country, city, subdivision, region, organization, person, state, topic."
    )
    aliases: tuple[str, ...] = ()
    country: CountryCode | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    mentions: tuple[Mention, ...] = ()
    evidence: tuple[str, ...] = Field(default=(), description="Why the tag holds beyond its mentions.")
    geo: Geo | None = Field(default=None, description="Places only: coordinates and admin path.")


class EnrichedStory(Story):
    """A Story plus its tags and its cluster, as published to ``stories.enriched``."""

    countries: tuple[CountryCode, ...] = Field(default=(), description="Sorted ISO 3166-1 alpha-2 codes.")
    places: tuple[Tag, ...] = ()
    regions: tuple[Tag, ...] = ()
    actors: tuple[Tag, ...] = ()
    topics: tuple[Tag, ...] = ()
    unresolved: tuple[Mention, ...] = Field(
        default=(), description="Place-like mentions we could not resolve."
    )
    cluster_id: str = Field(description="Id shared by copies and versions of one developing story.")
    merged_clusters: tuple[str, ...] = Field(
        default=(),
        description="Clusters opened for the same event (by two workers at once) and merged into this one.",
    )


class Throttle(BaseModel):
    """At most ``max_alerts`` alerts per ``window_seconds``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_alerts: int = Field(ge=1)
    window_seconds: int = Field(ge=1)


class QuietHours(BaseModel):
    """Hold deliveries between ``start`` and ``end`` (HH:MM, in ``tz``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: str = Field(pattern=r"^\d{2}:\d{2}$")
    end: str = Field(pattern=r"^\d{2}:\d{2}$")
    tz: str = "UTC"


class SubscriptionOptions(BaseModel):
    """How and when a subscription's alerts are delivered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    channels: tuple[str, ...] = ("mqtt",)
    webhook_url: str | None = None
    apprise_urls: tuple[str, ...] = ()
    throttle: Throttle | None = None
    digest_seconds: int | None = Field(default=None, ge=1)
    quiet_hours: QuietHours | None = None
    paused: bool = False


class Subscription(Message):
    """An analyst's standing query, kept in the compacted ``subscriptions`` topic."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    subscriber: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    query: str = Field(
        min_length=1,
        description='Lucene syntax (alerts.query): actor:NATO AND region:"Russia–Ukraine border"; '
        'geo clauses near:Kharkiv~100km (km around a place or a "lat,lon" point) and '
        "bbox:[44.0,22.0 TO 52.5,40.2] (south,west TO north,east).",
    )
    options: SubscriptionOptions = SubscriptionOptions()


class AlertKind(enum.StrEnum):
    """``new`` for the first alert of a cluster, then ``update``; ``retraction`` withdraws it."""

    NEW = "new"
    UPDATE = "update"
    RETRACTION = "retraction"
    DIGEST = "digest"


class MatchedClause(BaseModel):
    """One query clause that held, and the mentions that made it hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clause: str = Field(description="The clause as written, e.g. 'actor:NATO'.")
    field: str
    value: str
    tag_id: str | None = None
    tag_name: str | None = None
    mentions: tuple[Mention, ...] = ()
    distance_km: float | None = Field(
        default=None,
        ge=0.0,
        description="A near: clause: how far the matched place (tag_id, tag_name) is from its point.",
    )


class WhatIsNew(BaseModel):
    """What an ``update`` adds over what the subscriber was alerted with; what a retraction withdraws."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actors: tuple[str, ...] = Field(default=(), description="Actors (names) no earlier alert named.")
    places: tuple[str, ...] = Field(default=(), description="Places (names) no earlier alert named.")
    numbers: tuple[str, ...] = Field(default=(), description="Figures no earlier alert carried.")
    sentences: tuple[str, ...] = Field(default=(), description="New sentences, the first few, shortened.")
    withdraws: tuple[int, ...] = Field(
        default=(), description="For a retraction: the versions of the story alerted before."
    )


class Alert(Message):
    """One subscription matched one story, as published to ``alerts``."""

    key: str = Field(description="Idempotency key: the same key is the same alert, whatever the channel.")
    kind: AlertKind
    subscription_id: str
    subscriber: str
    story_id: str
    story_version: int = 1
    cluster_id: str
    title: str
    url: str | None = None
    published_at: datetime | None = None
    query: str
    explanation: tuple[MatchedClause, ...] = ()
    created_at: AwareDatetime
    stories: tuple[str, ...] = Field(default=(), description="For a digest: the story ids it gathers.")
    what_is_new: WhatIsNew | None = Field(
        default=None,
        description="For an update: what is new to the subscriber; for a retraction: what it withdraws.",
    )


class DeadLetter(Message):
    """A message or input we could not handle, with the reason, in ``dlq``."""

    stage: str = Field(description="ingest, process, alert or deliver.")
    reason: str
    error_type: str
    source: str | None = Field(default=None, description="The source, file or URL of the input.")
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    raw_base64: str = Field(
        default="", description="The raw input bytes, base64, at most DLQ_RAW_LIMIT of them."
    )
    raw_truncated: bool = False
    raw_size: int = Field(default=0, ge=0, description="Size of the whole raw input in bytes.")
    failed_at: AwareDatetime

    @classmethod
    def build(
        cls,
        *,
        stage: str,
        error: BaseException | str,
        raw: bytes,
        failed_at: datetime,
        limit: int = DLQ_RAW_LIMIT,
        **context: str | int | None,
    ) -> DeadLetter:
        """Make a dead letter from an error and the raw input, bounding the bytes kept."""
        if isinstance(error, BaseException):
            reason, error_type = str(error) or type(error).__name__, type(error).__name__
        else:
            reason, error_type = error, "Rejected"
        return cls.model_validate(
            {
                "stage": stage,
                "reason": reason[:2000],
                "error_type": error_type,
                "raw_base64": base64.b64encode(raw[:limit]).decode(),
                "raw_truncated": len(raw) > limit,
                "raw_size": len(raw),
                "failed_at": failed_at,
                **context,
            }
        )

    @property
    def raw(self) -> bytes:
        """The raw bytes kept (maybe truncated)."""
        return base64.b64decode(self.raw_base64)


class KnowledgeRole(BaseModel):
    """A position an actor holds or held, with its dates (ISO ``YYYY-MM-DD``; open ends allowed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str = Field(min_length=1, max_length=200)
    org: str = Field(default="", max_length=200)
    start: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    end: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")


class KnowledgeEntry(Message):
    """Knowledge of one's own, in the compacted ``knowledge`` topic (key: the entity id).

    With the id of a packaged entity it adds aliases (and, to an actor, roles; to a topic,
    triggers); with a new id it adds an actor, region or topic, which needs a ``name``.
    Running processors take entries up without a restart.
    """

    id: str = Field(min_length=1, max_length=200, pattern=r"^[^\s/#+]+$")
    kind: Literal["actor", "region", "topic", "place"]
    name: str | None = Field(default=None, min_length=1, max_length=300)
    type: str = Field(default="", max_length=100, description="e.g. person, organisation, armed_group.")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    aliases: tuple[Annotated[str, Field(min_length=1, max_length=300)], ...] = Field(
        default=(), max_length=200
    )
    roles: tuple[KnowledgeRole, ...] = Field(default=(), max_length=50)
    members: tuple[str, ...] = Field(
        default=(), max_length=500, description="A region's places or countries."
    )
    min_members: int = Field(default=1, ge=1, description="A region: how many members a story must name.")
    triggers: tuple[Annotated[str, Field(min_length=1, max_length=300)], ...] = Field(
        default=(), max_length=200, description="A topic: phrases that tag a story with it."
    )
    added_by: str | None = Field(default=None, max_length=200)
    updated_at: AwareDatetime | None = None
