"""The example files under deploy/ stay valid: users copy them."""

from __future__ import annotations

from pathlib import Path

from alerts import compile_query
from ingest.config import load_sources
from wirewatch.cli.offline import load_subscriptions

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_example_subscriptions_parse_and_compile() -> None:
    subs = load_subscriptions(DEPLOY / "subscriptions.example.json")
    assert {s.id for s in subs} >= {"nato-border"}
    for sub in subs:
        compile_query(sub.query)


def test_example_sources_file_loads() -> None:
    cfg = load_sources(DEPLOY / "sources.example.yaml")
    assert cfg.feeds
    assert cfg.http is not None
    assert cfg.drop_folder is not None
    assert cfg.drop_folder.path.is_absolute()
