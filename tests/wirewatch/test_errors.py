"""The exception tree is one, and drawn whole in wirewatch/errors.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import wirewatch.errors
from wirewatch.errors import WirewatchError

PACKAGES = ("alerts", "ingest", "processors", "schemas", "wirewatch")
SKIP = ("processors.kb_build", "wirewatch.__main__")


def _our_exceptions() -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if info.name.startswith(SKIP):
                continue
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, BaseException) and obj.__module__.split(".")[0] in PACKAGES:
                    found.add(obj)
    return found


def test_every_error_is_a_wirewatch_error_and_drawn_in_the_tree() -> None:
    drawing = wirewatch.errors.__doc__ or ""
    errors = {e for e in _our_exceptions() if not issubclass(e, Warning)}
    assert len(errors) >= 20
    assert all(issubclass(e, WirewatchError) for e in errors), [
        e for e in errors if not issubclass(e, WirewatchError)
    ]
    missing = sorted(e.__qualname__ for e in errors if e.__qualname__ not in drawing)
    assert missing == []
