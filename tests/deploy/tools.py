"""Where the checks of the deploy files and contracts find their tools (installed by .ci/install.sh).

Nothing here downloads: a missing tool fails the test that needs it, with how to install it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("WIREWATCH_CACHE", str(Path.home() / ".cache" / "wirewatch")))
INSTALL = (
    "install it with: bash .ci/install.sh (as root; npm and go from Debian, packages from the registries)"
)
#: Keep in sync with .ci/install.sh.
HELM_VERSION = "v4.3.2"
#: Which command runs each stage of wirewatch/cli/topology.py in a deployment.
STAGE_COMMANDS = {
    "ingest": ["wirewatch", "ingest"],
    "process": ["wirewatch", "process"],
    "alert (match)": ["wirewatch", "alert", "--no-deliver"],
    "alert (mailbox)": ["wirewatch", "alert", "--no-deliver"],
    "deliver": ["wirewatch", "deliver"],
}


def npm_file(package: str, relative: str) -> Path:
    """A file of an npm package cached by install.sh under ``$WIREWATCH_CACHE/npm``."""
    path = CACHE / "npm" / "node_modules" / package / relative
    if not path.is_file():
        pytest.fail(f"{package} is not installed ({path} missing); {INSTALL}")
    return path


def helm() -> Path:
    """The helm binary built from the Go module proxy by install.sh."""
    path = CACHE / f"helm-{HELM_VERSION}" / "helm"
    if not os.access(path, os.X_OK):
        pytest.fail(f"helm {HELM_VERSION} is not installed ({path} missing); {INSTALL}")
    return path


def known_setting(env_name: str) -> bool:
    """Whether ``WIREWATCH_A__B`` names a field of :class:`~wirewatch.settings.Settings` (typos are ignored there)."""
    from pydantic import BaseModel  # noqa: PLC0415

    from wirewatch.settings import Settings  # noqa: PLC0415

    if not env_name.startswith("WIREWATCH_"):
        return False
    model: type[BaseModel] = Settings
    parts = env_name.removeprefix("WIREWATCH_").lower().split("__")
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        if i < len(parts) - 1:
            annotation = field.annotation
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def node() -> str:
    """The node binary (Debian's nodejs, installed with npm by install.sh)."""
    import shutil  # noqa: PLC0415

    found = shutil.which("node")
    if found is None:
        pytest.fail(f"node is missing; {INSTALL}")
    return found


def cli_accepts(command: list[str]) -> str:
    """Why ``wirewatch …`` would refuse ``command``'s subcommand and flags ("" when it accepts them)."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from wirewatch.cli import app  # noqa: PLC0415

    assert command[0] == "wirewatch", command
    done = CliRunner().invoke(app, [*command[1:], "--help"])
    return "" if done.exit_code == 0 else f"{' '.join(command)}: {done.output.strip()[-500:]}"
