"""packaging/check_system.py: on a machine without Qt's system libraries, `make run`, `make test`
and a plain `pytest` name the `apt-get install` line instead of failing in an ImportError.

A library cannot be taken away from this machine for a test (an empty LD_LIBRARY_PATH hides
nothing the system has), so the missing one is a library that exists nowhere, added to the real
check through KEEPWELL_CHECK_ALSO_NEED; the real check of Qt's own libraries runs beside it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "packaging" / "check_system.py"
ABSENT = "libkeepwell-absent-for-test.so.0"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_system_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("KEEPWELL_CHECK_ALSO_NEED", "PYTEST_ADDOPTS")}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(argv: list[str], **env: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, env=_env(**env), capture_output=True, text=True,
                          timeout=120)


def test_the_libraries_are_read_from_qts_own_files(check: ModuleType) -> None:
    """The library the fresh Debian lacked (glib, for QtCore) is among what the check asks for,
    and every library Qt names has its Debian package in the table, so the apt-get line is whole.
    A new PySide6 that needs another library fails here until the table names its package."""
    for platform in ("offscreen", "xcb"):
        needed = check.system_libraries(platform)
        assert {"libglib-2.0.so.0", "libGL.so.1", "libEGL.so.1"} <= set(needed)
        assert [name for name in needed if name not in check.PACKAGES] == []
    assert "libxcb-cursor.so.0" in check.system_libraries("xcb")
    assert "libxcb-cursor.so.0" not in check.system_libraries("offscreen")


def test_the_message_names_the_packages_to_install(check: ModuleType) -> None:
    message = check.install_message(["libglib-2.0.so.0", "libgthread-2.0.so.0", "libEGL.so.1"])
    assert message.splitlines() == [
        "Keepwell's window, and its tests, need system libraries for Qt that this machine "
        "lacks: libEGL.so.1, libglib-2.0.so.0, libgthread-2.0.so.0.",
        "Install them with:",
        "    sudo apt-get install -y libegl1 libglib2.0-0",
    ]
    both = check.install_message(["libGL.so.1", ABSENT])
    assert "    sudo apt-get install -y libgl1" in both.splitlines()
    assert f"Also install the packages that provide {ABSENT}" in both


def test_a_missing_library_is_found_by_loading_it(check: ModuleType) -> None:
    assert check.loads("libc.so.6")
    assert not check.loads(ABSENT)
    assert check.missing_libraries("offscreen", [ABSENT]) == [ABSENT]


def test_the_script_passes_here_and_names_a_missing_library() -> None:
    ok = _run([sys.executable, str(SCRIPT)], QT_QPA_PLATFORM="offscreen")
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    missing = _run([sys.executable, str(SCRIPT)], QT_QPA_PLATFORM="offscreen",
                   KEEPWELL_CHECK_ALSO_NEED=ABSENT)
    assert missing.returncode == 1
    assert f"this machine lacks: {ABSENT}." in missing.stdout
    assert "Traceback" not in missing.stdout + missing.stderr


def test_the_script_says_when_there_is_no_display() -> None:
    result = _run([sys.executable, str(SCRIPT)], QT_QPA_PLATFORM=None, DISPLAY=None,
                  WAYLAND_DISPLAY=None)
    assert result.returncode == 1
    assert "this session has no display" in result.stdout


def test_pytest_stops_with_the_message_before_importing_qt() -> None:
    """tests/conftest.py runs the check before tests/ui's conftest imports Qt."""
    result = _run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                   "tests/ui/test_startup.py"], KEEPWELL_CHECK_ALSO_NEED=ABSENT)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert f"this machine lacks: {ABSENT}." in result.stderr
    assert f"provide {ABSENT}" in result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "ImportError" not in output
    assert "passed" not in output and "PySide6" not in output


def test_make_test_runs_the_check_before_the_tests() -> None:
    """`make test` with a library missing: the message and make's failure, no pytest run.
    (-o: the venv is taken as installed; nothing is installed by this test.)"""
    result = _run(["make", "--no-print-directory", "-o", ".venv/.installed-test", "test",
                   f"BIN={Path(sys.executable).parent}", "PYTEST_ARGS=--co -q"],
                  KEEPWELL_CHECK_ALSO_NEED=ABSENT)
    assert result.returncode != 0
    assert f"this machine lacks: {ABSENT}." in result.stdout
    assert "-m pytest" not in result.stdout + result.stderr
