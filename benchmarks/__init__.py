"""Speed and quality measurements; run each from the repository root: ``python -m benchmarks.<name>``."""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def write_rows(args: argparse.Namespace, rows: list[dict[str, Any]], **extra: Any) -> None:
    """Write ``{"meta": ..., "rows": rows}`` to ``args.out``: when, on what, with which options."""
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        **extra,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
