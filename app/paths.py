"""Where Keepwell keeps things: per-user dirs (platformdirs) and shipped files (one resolver),
and how it makes the files and folders that are for the user's eyes only.

Every file Keepwell creates for the user alone (the embedded database, whose -wal / -shm files
SQLite creates with the database file's own mode, backups, log files, attachment copies opened
for viewing) is made 0600 and every folder it creates for them 0700, whatever the umask: the
database holds password hashes. The mode is set as the file is created (`create_private_file`,
`write_private_file`), never by opening a database file that may be in use (app/db.py). A file
the user chose to save somewhere (an export) follows their umask.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from pathlib import Path

import platformdirs

APP_NAME = "Keepwell"


def bundle_root() -> Path:
    """The folder holding `data/` and `resources/`: the source checkout or the frozen bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def data_file(*parts: str) -> Path:
    """A file shipped in `data/` (reference data, demo plant, default settings)."""
    return bundle_root().joinpath("data", *parts)


def resource_file(*parts: str) -> Path:
    """A file shipped in `resources/` (icons, styles)."""
    return bundle_root().joinpath("resources", *parts)


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def backup_dir() -> Path:
    return user_data_dir() / "backups"


def machine_config_file() -> Path:
    """The machine-wide configuration IT writes once per desk."""
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        return Path(base) / APP_NAME / "keepwell.toml"
    return Path("/etc/keepwell/keepwell.toml")


def user_config_file() -> Path:
    return user_config_dir() / "keepwell.toml"


# --- files and folders for the user's eyes only -----------------------------------------------

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def _set_mode(folder: Path, mode: int) -> None:
    try:
        os.chmod(folder, mode)
    except OSError:  # a file system without modes (some network shares): nothing to tighten
        pass


def make_private_dir(folder: Path) -> Path:
    """Make `folder` and any missing parent, each 0700 whatever the umask. Folders that exist are
    left as they are, except Keepwell's own per-user folders (data, backups, logs), which are
    made 0700 too (an older Keepwell left them as the umask said). Raises OSError (e.g.
    NotADirectoryError) when it cannot be made."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for part in reversed(missing):
        try:
            os.mkdir(part, PRIVATE_DIR_MODE)
        except FileExistsError:  # made by another process a moment ago
            continue
        _set_mode(part, PRIVATE_DIR_MODE)  # the umask may have taken bits off
    if not folder.is_dir():
        raise NotADirectoryError(20, "Not a folder", str(folder))
    if not missing and folder.absolute() in _own_folders():
        if folder.stat().st_mode & 0o077:
            _set_mode(folder, PRIVATE_DIR_MODE)
    return folder


def _own_folders() -> set[Path]:
    return {user_data_dir().absolute(), backup_dir().absolute(), user_log_dir().absolute()}


def _private_fd(path: Path, flags: int) -> int:
    flags |= os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    if hasattr(os, "fchmod"):  # POSIX: the umask may have taken bits off (or left some on)
        try:
            os.fchmod(fd, PRIVATE_FILE_MODE)
        except OSError:
            pass
    return fd


def create_private_file(path: Path) -> bool:
    """Create `path` empty and 0600 (whatever the umask) unless it exists: then it is left
    alone, unopened (it may be a database in use: the rule at the top of app/db.py). True when
    it was created here. SQLite then writes into it, keeping its mode, and creates its -wal /
    -shm / -journal files with the same mode."""
    try:
        fd = _private_fd(path, os.O_EXCL)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def write_private_file(path: Path, data: bytes) -> Path:
    """Write `data` to `path` as a file only the user can read (0600, whatever the umask),
    replacing what was there (a copy opened for viewing a second time). Never follows a
    symbolic link at `path`."""
    fd = _private_fd(path, os.O_TRUNC)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


_RESERVED = re.compile(r'[\\/:*?"<>|]')
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
MAX_FILE_NAME = 120


def safe_file_name(name: str, fallback: str = "attachment") -> str:
    """A stored file name made safe to join onto a folder: its last part only (no folders, no
    `..`, no drive), no NUL, control or invisible formatting characters (a right-to-left
    override can disguise `gpj.exe` as `exe.jpg`), none of the characters Windows refuses, not a
    Windows device name, at most 120 characters with its extension kept (the desktop picks the
    viewer by it); `fallback` when nothing is left. A hand-edited row cannot name a file
    outside the folder."""
    last = re.split(r"[\\/]", name)[-1]
    cleaned = "".join(
        "_" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in last)
    cleaned = _RESERVED.sub("_", cleaned).strip(" .")
    if not cleaned.strip("_") or set(cleaned) <= {".", "_"}:
        return fallback
    if cleaned.split(".")[0].upper() in _WINDOWS_DEVICES:
        cleaned = "_" + cleaned
    if len(cleaned) > MAX_FILE_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            cleaned = stem[:MAX_FILE_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            cleaned = cleaned[:MAX_FILE_NAME].rstrip(" .")
    return cleaned or fallback
