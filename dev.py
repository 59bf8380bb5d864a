#!/usr/bin/env python3
"""Set up and run deskbot from a fresh clone with nothing but Python 3.11.

    python3 dev.py run [deskbot run options]   install into .venv, then run the bot
    python3 dev.py test [pytest options]       install into .venv, then lint, type-check and test

Both create `.venv` on first use and reinstall only when pyproject.toml changes, so the
second run starts at once. CI calls `python3 dev.py test`: what CI checks is what you check.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".deskbot-installed"


def ensure_installed() -> None:
    """Create the virtual environment and install deskbot with its dev tools, if stale."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("dev: creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    print("dev: installing deskbot and its dev tools into .venv", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def step(*command: str) -> None:
    """Run one check from the venv; stop at the first failure with its exit code."""
    print(f"dev: {' '.join(command)}", flush=True)
    result = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("run", "test"):
        sys.exit(__doc__)
    ensure_installed()
    if argv[0] == "run":
        extra = argv[1:] or ["--config", str(ROOT / "config.yaml")]
        os.execv(str(BIN / "deskbot"), [str(BIN / "deskbot"), "run", *extra])
    step("ruff", "check", ".")
    step("ruff", "format", "--check", ".")
    step("mypy")
    step("pytest", *argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
