"""Wirewatch: what every stage shares — settings, logging, errors, the message bus and the stage loop."""

from wirewatch.errors import (
    BusClosedError,
    BusError,
    ConfigError,
    LimitExceededError,
    MessageError,
    WirewatchError,
)
from wirewatch.settings import Settings

__all__ = [
    "BusClosedError",
    "BusError",
    "ConfigError",
    "LimitExceededError",
    "MessageError",
    "Settings",
    "WirewatchError",
]
__version__ = "0.1.0"
