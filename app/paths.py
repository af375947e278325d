"""Where Keepwell keeps things: per-user dirs (platformdirs) and shipped files (one resolver)."""

from __future__ import annotations

import os
import sys
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
