"""The sources file: which feeds, pages, folder and HTTP endpoint feed ingestion, and their limits.

YAML or TOML, chosen by the file's suffix::

    feeds:
      - {url: "https://example.org/world.rss", name: example-world, interval_s: 120}
    pages:
      - {url: "https://example.org/story/1"}
    drop_folder: {path: ./inbox}         # relative to the sources file
    http: {host: 127.0.0.1, port: 8088, token: "change-me"}
    limits: {max_bytes: 5000000, read_timeout_s: 30}
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from wirewatch.errors import ConfigError

__all__ = [
    "DropFolderSource",
    "FeedSource",
    "HttpEndpoint",
    "Limits",
    "PageSource",
    "SourcesConfig",
    "load_sources",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _http_url(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


class FeedSource(_Model):
    """An RSS or Atom feed polled every ``interval_s`` seconds."""

    url: str
    name: str | None = Field(default=None, description="Source name on the stories; defaults to the URL.")
    interval_s: float = Field(default=300.0, gt=0)

    _check_url = field_validator("url")(_http_url)

    @property
    def label(self) -> str:
        """The name, else the URL."""
        return self.name or self.url


class PageSource(_Model):
    """A web page fetched once (or every ``interval_s`` seconds) and extracted."""

    url: str
    name: str | None = None
    interval_s: float | None = Field(default=None, gt=0)

    _check_url = field_validator("url")(_http_url)


class DropFolderSource(_Model):
    """A watched folder: ingested files move to ``processed/``, rejected ones to ``failed/``."""

    path: Path
    settle_s: float = Field(default=0.5, ge=0, description="A file must keep its size this long to be read.")
    rescan_s: float = Field(default=30.0, gt=0, description="Full rescan period, in case an event is missed.")


class HttpEndpoint(_Model):
    """The ``POST /stories`` endpoint."""

    host: str = "127.0.0.1"
    port: int = Field(default=8088, ge=1, le=65535)
    token: SecretStr = Field(min_length=16)


class Limits(_Model):
    """Size and time limits for every source."""

    max_bytes: int = Field(default=5_000_000, gt=0)
    connect_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)
    total_timeout_s: float = Field(default=60.0, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)


class SourcesConfig(_Model):
    """Everything ingestion reads from."""

    feeds: tuple[FeedSource, ...] = ()
    pages: tuple[PageSource, ...] = ()
    drop_folder: DropFolderSource | None = None
    http: HttpEndpoint | None = None
    limits: Limits = Limits()
    stdin: bool = Field(default=False, description="Also read JSON lines or text from standard input.")


def load_sources(path: str | Path) -> SourcesConfig:
    """Read a sources file (``.yaml``/``.yml`` or ``.toml``); raises ConfigError with the reason.

    A relative drop-folder path is taken relative to the sources file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the sources file: {exc}", path=str(path)) from exc
    try:
        data: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"the sources file is not valid {path.suffix.lstrip('.')}: {exc}", path=str(path)
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("the sources file must hold a mapping at its top level", path=str(path))
    try:
        config = SourcesConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid sources file: {exc}", path=str(path)) from exc
    folder = config.drop_folder
    if folder is not None and not folder.path.is_absolute():
        folder = folder.model_copy(update={"path": (path.parent / folder.path).resolve()})
        config = config.model_copy(update={"drop_folder": folder})
    return config
