"""Hearing at once that another desk changed something, on PostgreSQL (DESIGN.md section 9).

`audit.record` announces each new event on CHANNEL inside the change's transaction, so
PostgreSQL delivers the announcement only when the change commits. A `ChangeFeed` listens on its
own connection; a desk woken by it reads the trail (`changes.changes_since`) as its poll does,
so nothing depends on what an announcement says or on hearing every one. The poll stays as the
fallback, and is the only way on SQLite, which has no announcements.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # psycopg is imported when a feed connects: start-up must not load it
    import psycopg

CHANNEL = "keepwell_changes"
APPLICATION_NAME = "keepwell changes"  # how the listening connection shows in pg_stat_activity
# A dead network path (no reset from the server) is noticed within about a minute.
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
               "keepalives_count": 3}


class ChangeFeedLost(Exception):
    """The listening connection dropped or could not be made; the next `wait` tries again."""


class ChangeFeed:
    """One listening connection to a PostgreSQL database.

    `wait` runs in one thread at a time (the listener's); `interrupt` may be called from any
    thread, to make a blocked `wait` return at once."""

    def __init__(self, params: dict[str, Any]) -> None:
        """`params` are psycopg.connect keywords (dbname, host, user, password, ...)."""
        self._params = {**_KEEPALIVES, **params, "autocommit": True,
                        "application_name": APPLICATION_NAME}
        self._conn: psycopg.Connection[Any] | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._wake_lock = threading.Lock()  # interrupt() never writes to a closed (reused) fd
        self._closed = False
        self.announced: list[str] = []  # payloads of the last wait (new events' ids): for tests

    @property
    def backend_pid(self) -> int | None:
        """The server process listening for this feed (None when not connected)."""
        return self._conn.info.backend_pid if self._conn is not None else None

    def listen(self) -> bool:
        """Make sure the feed is connected and listening. True if it had to (re)connect: changes
        committed while nobody listened were never announced, so the caller should look."""
        if self._conn is not None:
            return False
        import psycopg

        try:
            conn = psycopg.connect(**self._params)
        except psycopg.Error as exc:
            raise ChangeFeedLost(f"cannot listen for changes: {_first_line(exc)}") from exc
        try:
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            conn.close()
            raise ChangeFeedLost(f"cannot listen for changes: {_first_line(exc)}") from exc
        self._conn = conn
        return True

    def wait(self, timeout_s: float) -> bool:
        """Block until a change is announced (True: every announcement pending is taken), the
        timeout passes or `interrupt` is called (False). Connects first if needed, and then
        returns True at once (see `listen`). Raises ChangeFeedLost when the connection drops or
        cannot be made; the next call reconnects."""
        self.announced = []
        if self.listen():
            return True
        assert self._conn is not None
        import psycopg

        deadline = time.monotonic() + timeout_s
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                watched = [self._conn.fileno(), self._wake_r.fileno()]
                readable, _, _ = select.select(watched, [], [], remaining)
            except (OSError, ValueError, psycopg.Error) as exc:  # the connection went away
                self._drop()
                raise ChangeFeedLost(f"stopped listening for changes: {exc}") from exc
            if self._wake_r.fileno() in readable:
                self._clear_wake()
                return False
            if not readable:
                return False
            try:
                self.announced = self._drain()
            except psycopg.Error as exc:
                self._drop()
                raise ChangeFeedLost(
                    f"stopped listening for changes: {_first_line(exc)}") from exc
            if self.announced:
                return True
            # Readable but nothing announced: the server's farewell, or a partial packet.
            # The next select tells which (an end of connection fails in _drain).

    def interrupt(self) -> None:
        """Make a `wait` in another thread (or the next one) return False at once."""
        with self._wake_lock:
            if self._closed:
                return
            try:
                self._wake_w.send(b"x")
            except OSError:  # the buffer is full: it is woken already
                pass

    def close(self) -> None:
        """Disconnect for good (call from the thread that waits, after its last wait)."""
        self._drop()
        with self._wake_lock:
            self._closed = True
            self._wake_r.close()
            self._wake_w.close()

    def _drain(self) -> list[str]:
        assert self._conn is not None
        payloads: list[str] = []
        while True:
            batch = [n.payload for n in self._conn.notifies(timeout=0)]
            if not batch:
                return payloads
            payloads.extend(batch)

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def _clear_wake(self) -> None:
        try:
            while self._wake_r.recv(64):
                pass
        except OSError:  # BlockingIOError: all read
            pass


def feed_for(database: Any) -> ChangeFeed | None:
    """A feed on the same server and database, with the same credentials, as the open peewee
    `database`; None for SQLite, where desks only poll."""
    import peewee

    if not isinstance(database, peewee.PostgresqlDatabase):
        return None
    return ChangeFeed({**database.connect_params, "dbname": database.database})


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
