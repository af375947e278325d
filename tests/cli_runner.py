"""Running `keepwell ...` in-process for CLI tests. The fixtures are a pytest plugin (see
tests/conftest.py); test modules import only the types: `from tests.cli_runner import Result,
Run`."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from app import db as dbmod
from app.cli import main as cli


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def cli_state() -> Iterator[None]:
    """Each CLI run closes the database; drop the log handler the runs added, too."""
    yield
    dbmod.close()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler is not None and handler.get_name() == "keepwell-file":
            root.removeHandler(handler)
            handler.close()


@pytest.fixture
def kw(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
       cli_state: None) -> Run:
    """Run `keepwell ARGS...` in-process; `stdin=` feeds standard input. A traceback on
    stderr fails the test: every error must be one clear line."""

    def run(*argv: str, stdin: str | None = None) -> Result:
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return run
