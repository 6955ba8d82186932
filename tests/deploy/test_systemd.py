"""deploy/systemd: units that systemd-analyze accepts, running the code's stage commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.tools import INSTALL, ROOT, STAGE_COMMANDS, cli_accepts, known_setting
from wirewatch.cli.topology import STAGES

UNITS = ROOT / "deploy" / "systemd"
INSTANCES = [
    "wirewatch.target",
    "wirewatch-topics.service",
    "wirewatch-ingest@9100.service",
    "wirewatch-process@9101.service",
    "wirewatch-alert@9103.service",
    "wirewatch-deliver@9104.service",
]


def verify(directory: Path) -> str:
    """What ``systemd-analyze verify`` says of the units in ``directory`` (nothing: all good)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail(f"systemd-analyze is missing (Debian package systemd); {INSTALL}")
    done = subprocess.run(
        [tool, "verify", "--man=no", *INSTANCES],
        cwd=directory,
        env={"SYSTEMD_UNIT_PATH": f"{directory}:", "PATH": "/usr/bin:/bin", "SYSTEMD_LOG_COLOR": "0"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return (done.stdout + done.stderr).strip() + ("" if done.returncode == 0 else f"\nexit {done.returncode}")


def copy_units(tmp_path: Path) -> Path:
    """The units, with ExecStart pointing at this checkout's wirewatch (verify checks that it runs)."""
    wirewatch = Path(sys.executable).with_name("wirewatch")
    assert wirewatch.exists()
    for unit in (*UNITS.glob("*.service"), *UNITS.glob("*.target")):
        text = unit.read_text().replace("/opt/wirewatch/bin/wirewatch", str(wirewatch))
        (tmp_path / unit.name).write_text(text)
    return tmp_path


def test_systemd_analyze_accepts_every_unit(tmp_path: Path) -> None:
    assert verify(copy_units(tmp_path)) == ""


def test_the_check_bites(tmp_path: Path) -> None:
    units = copy_units(tmp_path)
    unit = units / "wirewatch-process@.service"
    unit.write_text(unit.read_text().replace("Restart=on-failure", "Restart=sometimes"))
    assert "Restart" in verify(units) or "restart" in verify(units)


def exec_starts() -> dict[str, list[str]]:
    out = {}
    for unit in UNITS.glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                out[unit.name] = line.removeprefix("ExecStart=").split()
    return out


def test_every_stage_runs_with_the_codes_command() -> None:
    commands = exec_starts()
    for stage in STAGES:
        if stage.stage == "api":
            continue
        want = STAGE_COMMANDS[stage.stage][1:]
        assert any(c[1 : 1 + len(want)] == want for c in commands.values()), stage.stage
    assert commands["wirewatch-topics.service"][1:] == ["topics", "--alter"]
    runs = [["wirewatch", *c[1:]] for c in commands.values()]
    assert [problem for c in runs if (problem := cli_accepts(c))] == []


def test_every_setting_is_a_real_one() -> None:
    names = {
        line.split("=")[0]
        for line in (UNITS / "wirewatch.env").read_text().splitlines()
        if line.startswith("WIREWATCH_")
    }
    for unit in UNITS.glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("Environment="):
                names.add(line.removeprefix("Environment=").split("=")[0])
    assert "WIREWATCH_METRICS_PORT" in names
    assert sorted(n for n in names if not known_setting(n)) == []
