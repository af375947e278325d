"""Before the first start on a bare Linux machine: say which system libraries Qt still lacks."""

from __future__ import annotations

import ctypes.util
import os
import sys

# library -> Debian package that provides it
NEEDED = {
    "EGL": "libegl1",
    "GL": "libgl1",
    "fontconfig": "libfontconfig1",
    "xkbcommon": "libxkbcommon0",
    "dbus-1": "libdbus-1-3",
}
NEEDED_X11 = {
    "xcb-cursor": "libxcb-cursor0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
}


def main() -> int:
    if not sys.platform.startswith("linux"):
        return 0
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not (platform or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("Keepwell is a desktop program, and this session has no display (neither DISPLAY "
              "nor WAYLAND_DISPLAY is set).")
        print("Run it from a desktop session, or over SSH with X forwarding (ssh -X). The "
              "command line works anywhere: .venv/bin/keepwell --help")
        return 1
    wanted = dict(NEEDED)
    if os.environ.get("QT_QPA_PLATFORM", "xcb").startswith("xcb") and os.environ.get("DISPLAY"):
        wanted.update(NEEDED_X11)
    missing = sorted({pkg for lib, pkg in wanted.items() if ctypes.util.find_library(lib) is None})
    if missing:
        print("Keepwell needs these system libraries for its window; install them with:")
        print(f"    sudo apt-get install -y {' '.join(missing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
