"""The full chaos cases (``@pytest.mark.chaos``) run only when asked for: ``make chaos`` (``-m chaos``).

They are deselected from every other run (not skipped: they are simply not collected into it);
the default suite runs their cut, ``test_chaos_ci_cut``, instead.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the ``chaos`` cases unless the marker expression names them."""
    if "chaos" in (config.getoption("markexpr") or ""):
        return
    chaos = [item for item in items if item.get_closest_marker("chaos") is not None]
    if chaos:
        config.hook.pytest_deselected(items=chaos)
        items[:] = [item for item in items if item.get_closest_marker("chaos") is None]
