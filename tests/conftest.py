"""Shared fixtures: a fresh SQLite database per test, accounts per role, and markers by folder.

PostgreSQL fixtures live in tests/integration/conftest.py.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _qt_libraries_problem() -> str | None:
    """`make run`'s check (packaging/check_system.py) of the system libraries Qt needs."""
    path = Path(__file__).parents[1] / "packaging" / "check_system.py"
    spec = importlib.util.spec_from_file_location("keepwell_check_system", path)
    assert spec is not None and spec.loader is not None
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    return check.qt_problem()


# Before any conftest imports Qt: without its libraries, say what to install and stop (as a
# usage error, 4) instead of an ImportError traceback. SystemExit, because pytest turns any
# other exception from a conftest into "ImportError while loading conftest" with a traceback.
if _problem := _qt_libraries_problem():
    print(_problem, file=sys.stderr)
    raise SystemExit(pytest.ExitCode.USAGE_ERROR)

from app import db as dbmod  # noqa: E402
from app import storage  # noqa: E402
from app.permissions import USER_ROLES, Actor, Role  # noqa: E402
from app.services import setup  # noqa: E402
from app.services.people import auth, users  # noqa: E402
from app.services.people.auth import actor_for  # noqa: E402

pytest_plugins = ["tests.cli_runner"]

TEST_PASSWORD = "correct-horse-42"
# The migration ladder as shipped: a new step must not break tests that build a database.
SHIPPED_MIGRATIONS = tuple(sorted(p.stem for p in dbmod.MIGRATIONS_DIR.glob("[0-9]*.py")))
LATEST_MIGRATION = SHIPPED_MIGRATIONS[-1]
_MARKERS_BY_FOLDER = {"ui": "gui", "integration": "postgres"}
# The day the test modules were imported: a module's `TODAY = dt.date.today()` is this day.
_IMPORTED_ON = dt.date.today()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        try:
            folder = Path(str(item.path)).relative_to(root).parts[0]
        except ValueError:
            continue
        marker = _MARKERS_BY_FOLDER.get(folder)
        if marker:
            item.add_marker(marker)


@pytest.fixture(autouse=True)
def _counted_from_the_day_the_test_runs(request: pytest.FixtureRequest,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that counts from `TODAY = dt.date.today()` (and `DAY`, days from it) counts
    from the day each of its tests runs: a run that crosses midnight would otherwise compare
    the day it was collected with the program's today (found by a CI run that did). Modules
    with a fixed TODAY (another day) are left as they are."""
    module = request.module
    shift = dt.date.today() - _IMPORTED_ON
    if not shift or getattr(module, "TODAY", None) != _IMPORTED_ON:
        return
    for name in ("TODAY", "DAY"):
        if isinstance(getattr(module, name, None), dt.date):
            monkeypatch.setattr(module, name, getattr(module, name) + shift)


@pytest.fixture(autouse=True)
def _fast_bcrypt(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """bcrypt cost 12 takes ~250 ms a hash; tests use cost 4 except where the cost is the point.
    (Production code has no switch for this: only tests patch the constant.)"""
    if "real_bcrypt" not in request.keywords:
        monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep tests away from the real per-user data, config and log folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("KEEPWELL_DATABASE_URL", raising=False)
    monkeypatch.delenv("KEEPWELL_PASSWORD", raising=False)
    return home


@pytest.fixture(autouse=True)
def _writing_resumed() -> Iterator[None]:
    """A test whose database failed stops writing in the process (app/storage.py): the next
    test starts with writing allowed, as a new program would."""
    yield
    storage.resume()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'keepwell.db').as_posix()}"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The URL of an empty database; tests/integration overrides it with PostgreSQL."""
    return sqlite_url


@pytest.fixture
def db(db_url: str) -> Iterator[dbmod.DatabaseTarget]:
    """An initialised, empty Keepwell database bound to the proxy."""
    database, target = dbmod.connect(db_url)
    dbmod.initialise_schema(database, target)
    yield target
    dbmod.close()


@pytest.fixture
def admin(db: dbmod.DatabaseTarget) -> Actor:
    row = setup.set_up_organisation("Test Plant", "admin", "Ada Admin", TEST_PASSWORD)
    return Actor(row.id, row.username, row.full_name, Role.ADMIN)


@pytest.fixture
def make_user(admin: Actor) -> Callable[..., Actor]:
    """Create an active account with TEST_PASSWORD (no forced change) and return its actor."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str, username: str | None = None, **fields) -> Actor:
        role = Role(role)
        name = username or f"{role.value}{next(counter)}"
        row = users.add_user(admin, name, f"{role.value.title()} Person", role.value,
                             TEST_PASSWORD, must_change_password=False, **fields)
        from app.models import User

        return actor_for(User.get_by_id(row.id))

    return make


@pytest.fixture
def actors(admin: Actor, make_user: Callable[..., Actor]) -> dict[Role, Actor]:
    """One signed-in actor per user role."""
    result = {Role.ADMIN: admin}
    for role in USER_ROLES:
        if role is not Role.ADMIN:
            result[role] = make_user(role)
    return result
