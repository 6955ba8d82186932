"""Alerting: subscription queries, the index, alert state, the alert stage, delivery and the HTTP API.

Where things are:

- pure (no I/O): the queries (:mod:`alerts.query`: parse, compile, evaluate, explain), the
  subscription index (:mod:`alerts.index`), the alert state (:mod:`alerts.state`: threads and
  mailboxes) and the stage's pipeline (:mod:`alerts.pipeline`: ``match_story``, ``route``,
  :class:`AlertPipeline`);
- I/O: the subscriptions topic (:mod:`alerts.store`), the alert stage's services
  (:mod:`alerts.service`), delivery and its channels (:mod:`alerts.deliver`), the HTTP API
  (:mod:`alerts.api`) and backtests (:mod:`alerts.backtest`).
"""

from alerts.errors import AlertError, DeliveryError, QueryError
from alerts.index import SubscriptionIndex, SubscriptionMatch, TermStatistics, match_all_plain
from alerts.pipeline import AlertPipeline, match_story, route
from alerts.query import CompiledQuery, Match, PreparedStory, compile_query, prepare
from alerts.state import AlertState, AlertStateError, Candidate, Mailboxes, Threads, alert_key

__all__ = [
    "AlertError",
    "AlertPipeline",
    "AlertState",
    "AlertStateError",
    "Candidate",
    "CompiledQuery",
    "DeliveryError",
    "Mailboxes",
    "Match",
    "PreparedStory",
    "QueryError",
    "SubscriptionIndex",
    "SubscriptionMatch",
    "TermStatistics",
    "Threads",
    "alert_key",
    "compile_query",
    "match_all_plain",
    "match_story",
    "prepare",
    "route",
]
