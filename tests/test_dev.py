"""dev.py: the version check, reusing or rebuilding .venv, and what each command installs."""

from __future__ import annotations

import ast
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import dev

PYPROJECT = "0" * 64


def test_old_python_is_refused_in_one_sentence() -> None:
    """A Python older than 3.11 is named, with its path, in one sentence."""
    assert dev.version_problem((3, 10, 12, "final", 0), "/usr/bin/python3") == (
        "deskbot needs Python 3.11 or newer; found 3.10.12 at /usr/bin/python3"
    )


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 13, 1), (4, 0, 0)])
def test_python_3_11_and_newer_pass_the_check(version: tuple[int, ...]) -> None:
    """3.11 and anything newer may run deskbot."""
    assert dev.version_problem(version, "/usr/bin/python3") is None


def test_dev_py_reads_as_python_3_6() -> None:
    """Old Pythons can read dev.py far enough to reach the version check."""
    source = Path(dev.__file__).read_text()
    tree = ast.parse(source, feature_version=(3, 6))
    futures = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert all(node.module != "__future__" for node in futures)
    # `list[str]` fails on 3.8 and `str | None` on 3.9 when the def runs; a string or a plain
    # name like `str` never does.
    annotations = [
        annotation
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for annotation in [node.returns, *(arg.annotation for arg in node.args.args)]
        if annotation is not None
    ]
    assert any(isinstance(annotation, ast.Constant) for annotation in annotations)
    assert all(isinstance(annotation, ast.Name | ast.Constant) for annotation in annotations)


def test_dev_py_without_a_command_prints_its_usage() -> None:
    """`python dev.py` on a good Python explains its two commands and exits non-zero."""
    result = subprocess.run(
        [sys.executable, dev.__file__], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "python3 dev.py run" in result.stderr
    assert "python3 dev.py test" in result.stderr
    assert "Traceback" not in result.stderr


def test_venv_made_by_this_python_is_reused(tmp_path: Path) -> None:
    """A .venv this very interpreter made is kept."""
    venv.create(tmp_path / "venv", with_pip=False)
    cfg = (tmp_path / "venv" / "pyvenv.cfg").read_text()
    assert dev.stale_venv(cfg, sys.version_info) is None


@pytest.mark.parametrize(
    "cfg",
    [
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.10.12\n",
        # virtualenv's spelling.
        "home = /usr/bin\nversion_info = 3.10.12.final.0\n",
    ],
)
def test_venv_made_by_another_python_is_stale(cfg: str) -> None:
    """A .venv left by Python 3.10 is rebuilt by 3.11, saying which Python made it."""
    assert dev.stale_venv(cfg, (3, 11, 7)) == ".venv was made by Python 3.10.12, not 3.11.7"


def test_venv_without_its_config_is_stale() -> None:
    """A .venv whose pyvenv.cfg is missing (a creation cut short) is rebuilt."""
    assert dev.stale_venv(None, (3, 11, 7)) == ".venv was made by Python unknown, not 3.11.7"


def installed(*extras: str) -> str:
    return dev.stamp_text(PYPROJECT, extras)


@pytest.mark.parametrize(
    ("stamp", "command", "installs"),
    [
        (None, "run", ()),
        (None, "test", ("dev",)),
        (installed(), "run", None),
        (installed(), "test", ("dev",)),
        (installed("dev"), "run", None),
        (installed("dev"), "test", None),
        # pyproject.toml changed: reinstall, keeping the dev tools a `test` put there.
        (dev.stamp_text("1" * 64, ("dev",)), "run", ("dev",)),
        (dev.stamp_text("1" * 64, ()), "run", ()),
        # The stamp of an older dev.py was the bare hash of pyproject.toml.
        (PYPROJECT, "run", ()),
        ("1234", "test", ("dev",)),
    ],
)
def test_each_command_installs_only_what_it_lacks(
    stamp: str | None, command: str, installs: tuple[str, ...] | None
) -> None:
    """`run` needs no dev tools; `test` after `run` adds them; `run` after `test` adds nothing."""
    assert dev.extras_to_install(stamp, PYPROJECT, dev.EXTRAS[command]) == installs


def test_stamp_records_pyproject_and_extras() -> None:
    """The stamp names the pyproject.toml installed from and the extras installed."""
    stamp = dev.stamp_text(PYPROJECT, ("dev",))
    assert dev.extras_to_install(stamp, PYPROJECT, ("dev",)) is None
    assert dev.extras_to_install(stamp, "2" * 64, ()) == ("dev",)
