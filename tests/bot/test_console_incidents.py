"""The README's incident demo, typed into the console on the shipped config."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def incident_demo() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Incidents\n", 1)[1]
    found = re.search(r"python3 dev.py run <<'EOF'\n(.*?)^EOF$", section, re.DOTALL | re.MULTILINE)
    assert found is not None, "the README's incident demo moved"
    return found.group(1)


def test_the_incident_demo_does_what_the_readme_says(tmp_path: Path) -> None:
    """Both customers hear of INC-1, get the update and the resolution; show tells it all."""
    config = tmp_path / "config.yaml"
    config.write_text((ROOT / "config.yaml").read_text())
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        input=incident_demo(),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for ticket in (1, 2):
        where = f"[#support › ticket #{ticket}] deskbot: "
        assert f"{where}This is part of a known problem (INC-1: Checkout returns 500)." in out
        assert (
            f"{where}Update on INC-1 (Checkout returns 500) from bob: We are rolling back the"
            " deploy" in out
        )
        assert f"{where}Ticket #{ticket} was resolved by bob." in out
    assert "[#support] deskbot: ⚠️ Known problem — INC-1: Checkout returns 500" in out
    assert "(only carol sees) INC-1: Checkout returns 500 — resolved, owner bob" in out
    assert "2 tickets linked" in out  # resolved, it still counts the tickets it affected
    assert "(delivered to 2 of 2 tickets)" in out
