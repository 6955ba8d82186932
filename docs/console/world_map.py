# ruff: noqa: INP001 - a maintainer script, run by path (docs/console has no package)
"""Make ``alerts/console/static/world.svg`` from the npm package ``@svg-maps/world`` (CC BY 4.0).

Run from the repository root after ``npm pack @svg-maps/world`` and unpacking it::

    python docs/console/world_map.py package/index.js > alerts/console/static/world.svg

The package's paths (relative ``m``/``z`` only) are made absolute, points closer than
``MIN_STEP`` to the last kept one are dropped and coordinates rounded to 0.1: about a tenth
of the size, the same look at page size. Countries keep the package's ids (ISO 3166-1
alpha-2, lower case) and names; the page colours them by story count.
"""

from __future__ import annotations

import json
import re
import sys
from html import escape
from pathlib import Path

MIN_STEP = 1.5
_TOKEN = re.compile(r"[mMzZ]|-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.IGNORECASE)


def simplify(path: str, min_step: float = MIN_STEP) -> str:
    """A relative ``m``/``z`` path as a shorter absolute one."""
    tokens = _TOKEN.findall(path)
    out: list[str] = []
    x = y = 0.0
    start = (0.0, 0.0)
    ring: list[tuple[float, float]] = []
    i = 0
    first_in_m = False

    def flush() -> None:
        if len(ring) >= 3:
            out.append("M" + " ".join(f"{px:.1f} {py:.1f}" for px, py in ring) + "Z")
        ring.clear()

    while i < len(tokens):
        tok = tokens[i]
        if tok in "mM":
            first_in_m = True
            i += 1
            continue
        if tok in "zZ":
            flush()
            x, y = start
            i += 1
            continue
        dx, dy = float(tokens[i]), float(tokens[i + 1])
        i += 2
        x, y = x + dx, y + dy
        if first_in_m:
            flush()
            start = (x, y)
            ring.append((x, y))
            first_in_m = False
            continue
        last = ring[-1]
        if abs(x - last[0]) + abs(y - last[1]) >= min_step:
            ring.append((x, y))
    flush()
    return "".join(out)


def main(source: str) -> None:
    """Write the simplified SVG to standard output."""
    text = Path(source).read_text()
    data = json.loads(text[text.index("{") : text.rindex("}") + 1])
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{data["viewBox"]}" role="img">'
    credit = (
        "<!-- @svg-maps/world 2.0.0, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); "
        "simplified by docs/console/world_map.py -->"
    )
    lines = [svg, credit]
    for loc in data["locations"]:
        # A small country would vanish whole: keep every point of its outline.
        d = simplify(loc["path"]) or simplify(loc["path"], 0.0)
        if d:
            lines.append(f'<path id="{escape(loc["id"])}" name="{escape(loc["name"])}" d="{d}"/>')
    lines.append("</svg>")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
