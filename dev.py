#!/usr/bin/env python3
"""Set up and run deskbot from a fresh clone with nothing but Python 3.11 or newer.

    python3 dev.py run [deskbot run options]   install into .venv, then run the bot
    python3 dev.py test [pytest options]       install with the dev tools, then lint, type-check
                                               and test

Both create `.venv` on first use and reinstall only when pyproject.toml changes (or `test`
needs the dev tools that `run` left out), so the second run starts at once. A `.venv` made
by another Python is rebuilt. CI calls `python3 dev.py test`: what CI checks is what you check.
"""

# This file must stay readable by old Pythons (3.6 and up) until the version check has
# said they are too old: no `from __future__ import annotations` (3.7), quoted annotations
# (never evaluated), and nothing newer than f-strings before the check.

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

REQUIRED = (3, 11)
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".deskbot-installed"
EXTRAS = {"run": (), "test": ("dev",)}


def version_problem(version: "tuple[int, ...]", executable: str) -> "str | None":
    """Say why this Python cannot run deskbot, or None when it can."""
    if tuple(version[:2]) >= REQUIRED:
        return None
    found = ".".join(str(part) for part in version[:3])
    wanted = ".".join(str(part) for part in REQUIRED)
    return f"deskbot needs Python {wanted} or newer; found {found} at {executable}"


def venv_version(pyvenv_cfg: str) -> "str | None":
    """The Python version a venv was made with, from its pyvenv.cfg."""
    for line in pyvenv_cfg.splitlines():
        key, _, value = line.partition("=")
        # The standard library writes `version`; virtualenv writes `version_info`.
        if key.strip() in ("version", "version_info"):
            return ".".join(value.strip().split(".")[:3])
    return None


def stale_venv(pyvenv_cfg: "str | None", version: "tuple[int, ...]") -> "str | None":
    """Say why an existing .venv belongs to another Python, or None when it is this one's."""
    running = ".".join(str(part) for part in version[:3])
    made_by = venv_version(pyvenv_cfg) if pyvenv_cfg is not None else None
    if made_by == running:
        return None
    # A venv is bound to its interpreter: its site-packages path and compiled wheels.
    return f".venv was made by Python {made_by or 'unknown'}, not {running}"


def extras_to_install(
    stamp: "str | None", pyproject: str, wanted: "tuple[str, ...]"
) -> "tuple[str, ...] | None":
    """The extras to install now, or None when the .venv already has what is wanted."""
    try:
        record = json.loads(stamp) if stamp else {}
        installed = tuple(record.get("extras", ()))
        current = record.get("pyproject") == pyproject
    except (ValueError, AttributeError, TypeError):
        # A stamp from before extras were recorded (a bare hash), or a damaged one.
        installed, current = (), False
    if current and set(wanted) <= set(installed):
        return None
    # Keep what an earlier command installed: `run` after `test` must not lose the dev tools.
    return tuple(sorted(set(wanted) | set(installed)))


def stamp_text(pyproject: str, extras: "tuple[str, ...]") -> str:
    """What the stamp records after an install: the pyproject.toml it matched and the extras."""
    return json.dumps({"pyproject": pyproject, "extras": list(extras)})


def ensure_installed(wanted: "tuple[str, ...]") -> None:
    """Create the virtual environment and install deskbot with `wanted` extras, if stale."""
    cfg = VENV / "pyvenv.cfg"
    if VENV.exists():
        reason = stale_venv(cfg.read_text() if cfg.exists() else None, sys.version_info)
        if reason is not None:
            print(f"dev: {reason}; rebuilding it with {sys.executable}", flush=True)
            shutil.rmtree(VENV)
    pyproject = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    extras = extras_to_install(STAMP.read_text() if STAMP.exists() else None, pyproject, wanted)
    if extras is None:
        return
    if not (BIN / "python").exists():
        print("dev: creating .venv", flush=True)
        venv.create(VENV, with_pip=True)
    target = f"{ROOT}[{','.join(extras)}]" if extras else str(ROOT)
    what = "deskbot and its dev tools" if "dev" in extras else "deskbot"
    print(f"dev: installing {what} into .venv", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    if subprocess.run([*pip, "install", "-e", target]).returncode:
        sys.exit(
            "dev: pip could not install deskbot (its error is above); run this again once fixed"
        )
    STAMP.write_text(stamp_text(pyproject, extras))


def step(*command: str) -> None:
    """Run one check from the venv; stop at the first failure with its exit code."""
    print(f"dev: {' '.join(command)}", flush=True)
    result = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def main(argv: "list[str]") -> None:
    problem = version_problem(sys.version_info, sys.executable)
    if problem is not None:
        sys.exit(problem)
    if not argv or argv[0] not in EXTRAS:
        sys.exit(__doc__)
    ensure_installed(EXTRAS[argv[0]])
    if argv[0] == "run":
        extra = argv[1:] or ["--config", str(ROOT / "config.yaml")]
        os.execv(str(BIN / "deskbot"), [str(BIN / "deskbot"), "run", *extra])
    step("ruff", "check", ".")
    step("ruff", "format", "--check", ".")
    step("mypy")
    step("pytest", *argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
