"""deploy/kafka.sh: the ports one broker listens on are distinct (Kafka refuses two listeners on one)."""

from __future__ import annotations

import subprocess
from pathlib import Path

KAFKA_SH = Path(__file__).resolve().parents[2] / "deploy" / "kafka.sh"

# The script's pick_port, run in this shell with RANDOM seeded: the same seed draws the same
# candidates, so a second pick that excludes the first must move on to another port. A pick runs
# in the current shell (output to a file), since a command substitution reseeds RANDOM.
_SCRIPT = """
set -euo pipefail
die() { echo "$*" >&2; exit 1; }
eval "$(sed -n '/^port_in_use() {/,/^}/p;/^pick_port() {/,/^}/p' "$1")"
out=$(mktemp)
RANDOM=42; pick_port >"$out"; first=$(<"$out")
RANDOM=42; pick_port "$first" >"$out"; second=$(<"$out")
RANDOM=42; pick_port "$first" "$second" >"$out"; third=$(<"$out")
RANDOM=42; pick_port >"$out"; again=$(<"$out")
rm -f "$out"
echo "$first $second $third $again"
"""


def test_a_port_picked_for_the_broker_is_not_picked_again() -> None:
    done = subprocess.run(
        ["bash", "-c", _SCRIPT, "pick", str(KAFKA_SH)], check=True, capture_output=True, text=True, timeout=30
    )
    first, second, third, again = (int(p) for p in done.stdout.split())
    assert again == first  # the seed decides: without the exclusion the second pick would repeat it
    assert len({first, second, third}) == 3
    assert all(20000 <= p < 32000 for p in (first, second, third))
