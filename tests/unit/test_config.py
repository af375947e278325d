"""Configuration: which database a desk opens, and the few settings IT can set in files.

Precedence: --db > KEEPWELL_DATABASE_URL > user file > machine file > embedded default.
The files are temporary paths passed explicitly; XDG_* point into a per-test home (conftest).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import config, paths
from app.db import parse_url
from app.errors import DatabaseUnavailable

CLI = "postgresql://cli@db/keepwell"
ENV = "postgresql://env@db/keepwell"
USER = "postgresql://user@db/keepwell"
MACHINE = "postgresql://machine@db/keepwell"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def user_file(tmp_path: Path) -> Path:
    return tmp_path / "user" / "keepwell.toml"


@pytest.fixture
def machine_file(tmp_path: Path) -> Path:
    return tmp_path / "etc" / "keepwell.toml"


def _load(
    user_file: Path,
    machine_file: Path,
    cli_url: str | None = None,
    environ: dict[str, str] | None = None,
) -> config.Config:
    return config.load_config(
        cli_url, environ=environ or {}, user_file=user_file, machine_file=machine_file
    )


def test_each_layer_overrides_the_ones_below(user_file: Path, machine_file: Path) -> None:
    _write(user_file, f'[database]\nurl = "{USER}"\n')
    _write(machine_file, f'[database]\nurl = "{MACHINE}"\n')
    env = {config.ENV_DATABASE_URL: ENV}

    chosen = _load(user_file, machine_file, CLI, env)
    assert (chosen.database_url, chosen.source) == (CLI, "--db option")

    chosen = _load(user_file, machine_file, None, env)
    assert chosen.database_url == ENV
    assert config.ENV_DATABASE_URL in chosen.source

    chosen = _load(user_file, machine_file)
    assert chosen.database_url == USER
    assert chosen.source == f"user config {user_file}"

    user_file.unlink()
    chosen = _load(user_file, machine_file)
    assert chosen.database_url == MACHINE
    assert chosen.source == f"machine config {machine_file}"

    machine_file.unlink()
    chosen = _load(user_file, machine_file)
    assert chosen.source == "embedded default"
    assert chosen.database_url == config.default_database_url()


def test_empty_values_fall_through(user_file: Path, machine_file: Path) -> None:
    """An empty --db or environment variable (e.g. `KEEPWELL_DATABASE_URL=` in a shell script)
    means "not set", not "a database called nothing"."""
    _write(user_file, '[database]\nurl = ""\n')
    _write(machine_file, f'[database]\nurl = "{MACHINE}"\n')
    chosen = _load(user_file, machine_file, "", {config.ENV_DATABASE_URL: ""})
    assert chosen.database_url == MACHINE


def test_the_process_environment_is_used_by_default(
    user_file: Path, machine_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.ENV_DATABASE_URL, ENV)
    chosen = config.load_config(user_file=user_file, machine_file=machine_file)
    assert chosen.database_url == ENV


def test_the_default_is_a_file_in_the_per_user_data_folder(
    user_file: Path, machine_file: Path
) -> None:
    chosen = _load(user_file, machine_file)
    target = parse_url(chosen.database_url)
    assert target.is_sqlite and target.path is not None
    data_home = Path(os.environ["XDG_DATA_HOME"])  # a per-test folder, set by conftest
    assert target.path.resolve() == (data_home / paths.APP_NAME / "keepwell.db").resolve()
    assert target.path.resolve() == (paths.user_data_dir() / "keepwell.db").resolve()
    assert chosen.sqlite_journal_mode == "wal"
    assert chosen.idle_lock_minutes == config.DEFAULT_IDLE_LOCK_MINUTES
    assert chosen.files_read == []


def test_the_default_locations_of_the_files(monkeypatch: pytest.MonkeyPatch) -> None:
    config_home = Path(os.environ["XDG_CONFIG_HOME"])
    assert paths.user_config_file() == config_home / paths.APP_NAME / "keepwell.toml"
    if os.name != "nt":
        assert paths.machine_config_file() == Path("/etc/keepwell/keepwell.toml")


def test_files_read_lists_the_files_that_had_settings(
    user_file: Path, machine_file: Path
) -> None:
    _write(machine_file, f'[database]\nurl = "{MACHINE}"\n')
    assert _load(user_file, machine_file).files_read == [machine_file]
    _write(user_file, "[session]\nidle_lock_minutes = 5\n")
    assert _load(user_file, machine_file).files_read == [machine_file, user_file]


def test_journal_mode_for_a_network_share(user_file: Path, machine_file: Path) -> None:
    _write(machine_file, '[database]\nsqlite_journal_mode = "DELETE"\n')
    assert _load(user_file, machine_file).sqlite_journal_mode == "delete"
    _write(user_file, '[database]\nsqlite_journal_mode = "wal"\n')
    assert _load(user_file, machine_file).sqlite_journal_mode == "wal"


def test_settings_and_url_may_come_from_different_files(
    user_file: Path, machine_file: Path
) -> None:
    _write(machine_file, f'[database]\nurl = "{MACHINE}"\n')
    _write(user_file, '[database]\nsqlite_journal_mode = "delete"\n')
    chosen = _load(user_file, machine_file, None, {config.ENV_DATABASE_URL: ENV})
    assert chosen.database_url == ENV
    assert chosen.sqlite_journal_mode == "delete"


@pytest.mark.parametrize("mode", ["truncate", "off", ""])
def test_a_bad_journal_mode_is_refused_in_words(
    user_file: Path, machine_file: Path, mode: str
) -> None:
    _write(user_file, f'[database]\nsqlite_journal_mode = "{mode}"\n')
    with pytest.raises(DatabaseUnavailable) as caught:
        _load(user_file, machine_file)
    assert caught.value.kind == DatabaseUnavailable.BAD_URL
    assert "sqlite_journal_mode must be 'wal' or 'delete'" in caught.value.message
    assert "network share" in caught.value.hint


@pytest.mark.parametrize("which", ["user", "machine"])
def test_a_malformed_file_is_refused_in_words(
    user_file: Path, machine_file: Path, which: str
) -> None:
    bad = user_file if which == "user" else machine_file
    _write(bad, '[database]\nurl = "sqlite:///missing-quote\n')
    with pytest.raises(DatabaseUnavailable) as caught:
        _load(user_file, machine_file)
    assert caught.value.kind == DatabaseUnavailable.BAD_URL
    assert str(bad) in caught.value.message
    assert "cannot be read" in caught.value.message
    assert "--db" in caught.value.hint


def test_a_malformed_file_is_refused_even_when_db_is_given(
    user_file: Path, machine_file: Path
) -> None:
    """A broken file is reported rather than silently ignored, so IT learns of it."""
    _write(user_file, "this is not toml at all ==\n")
    with pytest.raises(DatabaseUnavailable):
        _load(user_file, machine_file, CLI)


def test_a_file_that_is_a_folder_is_refused_in_words(
    user_file: Path, machine_file: Path
) -> None:
    user_file.mkdir(parents=True)
    with pytest.raises(DatabaseUnavailable) as caught:
        _load(user_file, machine_file)
    assert str(user_file) in caught.value.message


def test_idle_lock_minutes(user_file: Path, machine_file: Path) -> None:
    assert _load(user_file, machine_file).idle_lock_minutes == 15
    _write(machine_file, "[session]\nidle_lock_minutes = 30\n")
    assert _load(user_file, machine_file).idle_lock_minutes == 30
    _write(user_file, "[session]\nidle_lock_minutes = 5\n")
    assert _load(user_file, machine_file).idle_lock_minutes == 5


def test_a_url_in_a_file_is_not_checked_until_it_is_opened(
    user_file: Path, machine_file: Path
) -> None:
    """load_config only chooses; connect() explains a bad URL with its BAD_URL message."""
    _write(user_file, '[database]\nurl = "mysql://root@db/x"\n')
    chosen = _load(user_file, machine_file)
    assert chosen.database_url == "mysql://root@db/x"
    with pytest.raises(DatabaseUnavailable) as caught:
        parse_url(chosen.database_url)
    assert caught.value.kind == DatabaseUnavailable.BAD_URL


@pytest.mark.parametrize(
    "text",
    [
        '[session]\nidle_lock_minutes = "ten"\n',
        "[session]\nidle_lock_minutes = -5\n",
        'database = "sqlite:///keepwell.db"\n',
        "[database]\nurl = 5\n",
    ],
)
def test_a_setting_of_the_wrong_kind_is_refused_in_words(
    user_file: Path, machine_file: Path, text: str
) -> None:
    _write(user_file, text)
    with pytest.raises(DatabaseUnavailable) as caught:
        _load(user_file, machine_file)
    assert caught.value.kind == DatabaseUnavailable.BAD_URL
