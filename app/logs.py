"""Logging to a rotating file in the per-user log folder, shared by the GUI and the CLI.

Nothing here ever prints to the terminal: a log folder that cannot be written, a full disk or a
log file locked by another process must not stop Keepwell nor show the user a traceback.

Log files (and the folder Keepwell makes for them) are the user's only: 0600 and 0700, whatever
the umask (`PrivateRotatingFileHandler`, for every log Keepwell writes).
"""

from __future__ import annotations

import logging
import os
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app import paths

LOG_FILE_NAME = "keepwell.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
_HANDLER_NAME = "keepwell-file"
_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log file only the user can read (0600, whatever the umask), as are the files
    it rotates to (renamed, they keep the mode). A log names people, assets and what they did."""

    def _open(self) -> TextIOWrapper:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        fd = os.open(self.baseFilename, flags, 0o600)
        if hasattr(os, "fchmod"):  # POSIX: also a log an older Keepwell left world-readable
            try:
                os.fchmod(fd, 0o600)
            except OSError:
                pass
        return open(fd, "a", encoding=self.encoding, errors=self.errors)  # appends, always


class _QuietRotatingFileHandler(PrivateRotatingFileHandler):
    """A file handler that drops a record it cannot write instead of printing a traceback
    (logging's default), e.g. when the GUI and the CLI rotate the same file at once."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def _no_query_parameters(record: logging.LogRecord) -> bool:
    """Peewee logs every query with its parameters at DEBUG, password hashes included: those
    records never reach the file, whatever the level."""
    return not (record.name.startswith("peewee") and record.levelno <= logging.DEBUG)


def setup_logging(level: int = logging.INFO, log_dir: Path | None = None) -> Path | None:
    """Send log records of `level` and above to `keepwell.log` in `log_dir` (default: the
    per-user log folder), rotated at 2 MB with 5 old files kept. Calling it again is harmless;
    with another folder it moves the file there. Returns the log file, or None when the folder
    cannot be written (Keepwell then runs without a log file)."""
    log_dir = paths.user_log_dir() if log_dir is None else log_dir
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() != _HANDLER_NAME:
            continue
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            handler.setLevel(level)
            _lower_root_level(root, level)
            return path
        root.removeHandler(handler)
        handler.close()
    try:
        paths.make_private_dir(log_dir)
        file_handler = _QuietRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError:
        return None
    file_handler.set_name(_HANDLER_NAME)
    file_handler.setLevel(level)
    file_handler.addFilter(_no_query_parameters)
    file_handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(file_handler)
    _lower_root_level(root, level)
    return path


def log_file() -> Path | None:
    """The file `setup_logging` writes to, if it is set up."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == _HANDLER_NAME and isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def _lower_root_level(root: logging.Logger, level: int) -> None:
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
