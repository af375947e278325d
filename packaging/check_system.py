"""Before the first start (`make run`) and before the tests (`make test`, tests/conftest.py): say
which system libraries Qt still lacks, as the `apt-get install` line that adds them.

What is needed is read from Qt's own binaries: the shared libraries that PySide6's QtCore, QtGui
and QtWidgets and the platform plugin name (followed through the ones PySide6 bundles), each
loaded as the program would load it. So the list cannot fall behind a new Qt, as a list kept by
hand did (it left out libglib-2.0.so.0, and `make test` ended in an ImportError traceback). A
table gives each library's Debian package; a library missing from it is named as a library.

Runs with the interpreter alone (no Keepwell, no Qt imported), as a script or imported by path.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import struct
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

# For testing this check without uninstalling anything: libraries (comma-separated) to treat as
# needed too, e.g. one that exists nowhere.
ENV_ALSO_NEED = "KEEPWELL_CHECK_ALSO_NEED"

# The PySide6 modules the program (and its tests) import.
QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtTest")

# library -> Debian package that provides it (Debian 12 and Ubuntu 22.04+ names)
PACKAGES = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libpthread.so.0": "libc6",
    "librt.so.1": "libc6",
    "ld-linux-x86-64.so.2": "libc6",
    "ld-linux-aarch64.so.1": "libc6",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}


# --- which libraries Qt's binaries name (ELF DT_NEEDED, read as the dynamic loader reads it) ---

PT_LOAD, PT_DYNAMIC = 1, 2
DT_NULL, DT_NEEDED, DT_STRTAB = 0, 1, 5


def needed_libraries(path: Path) -> list[str]:
    """The shared libraries an ELF file names as needed (its DT_NEEDED entries), in order."""
    with path.open("rb") as f:
        ident = f.read(16)
        if ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) or ident[5] not in (1, 2):
            raise ValueError(f"{path} is not an ELF file")
        wide, end = ident[4] == 2, "<" if ident[5] == 1 else ">"
        word = "Q" if wide else "I"
        f.seek(0x20 if wide else 0x1C)
        (phoff,) = struct.unpack(end + word, f.read(8 if wide else 4))
        f.seek(0x36 if wide else 0x2A)
        phentsize, phnum = struct.unpack(end + "HH", f.read(4))
        # p_type, p_offset, p_vaddr, p_filesz of each program header
        layout = end + ("I4xQQ8xQ" if wide else "IIII")
        segments = []
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            segments.append(struct.unpack(layout, f.read(struct.calcsize(layout))))
        dynamic = [s for s in segments if s[0] == PT_DYNAMIC]
        if not dynamic:
            return []  # statically linked
        _, offset, _, size = dynamic[0]
        f.seek(offset)
        entry = end + ("qQ" if wide else "iI")
        raw = f.read(size)
        entries = [struct.unpack_from(entry, raw, i)
                   for i in range(0, len(raw) - struct.calcsize(entry) + 1, struct.calcsize(entry))]
        strtab_addr = next(value for tag, value in entries if tag == DT_STRTAB)
        # DT_STRTAB is an address in memory: the file offset is found through its PT_LOAD.
        strtab = next(off + strtab_addr - vaddr for kind, off, vaddr, filesz in segments
                      if kind == PT_LOAD and vaddr <= strtab_addr < vaddr + filesz)
        names = []
        for tag, value in entries:
            if tag == DT_NULL:
                break
            if tag == DT_NEEDED:
                f.seek(strtab + value)
                names.append(f.read(256).split(b"\0", 1)[0].decode())
        return names


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing (and so loading) it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def qt_platform() -> str:
    """The platform plugin Qt will load: QT_QPA_PLATFORM, else xcb on X11, else wayland."""
    chosen = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    wayland_only = os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY")
    return "wayland" if wayland_only else "xcb"


def system_libraries(platform: str) -> list[str]:
    """The libraries from the system that Qt's modules and `platform`'s plugin need: what they
    name, followed through the libraries PySide6 and shiboken6 bring with them."""
    pyside = _package_dir("PySide6")
    if pyside is None:
        return []
    bundled_dirs = [pyside, pyside / "Qt" / "lib"]
    shiboken = _package_dir("shiboken6")
    if shiboken is not None:
        bundled_dirs.append(shiboken)
    todo = [p for name in QT_MODULES for p in pyside.glob(f"{name}.*.so")]
    plugin = pyside / "Qt" / "plugins" / "platforms" / f"libq{platform}.so"
    if plugin.exists():
        todo.append(plugin)
    seen: set[Path] = set()
    system: dict[str, None] = {}  # ordered set
    while todo:
        binary = todo.pop()
        if binary in seen:
            continue
        seen.add(binary)
        for name in needed_libraries(binary):
            inside = next((d / name for d in bundled_dirs if (d / name).exists()), None)
            if inside is not None:
                todo.append(inside)
            else:
                system[name] = None
    return list(system)


def loads(library: str) -> bool:
    """Whether the dynamic loader finds and loads `library`, as it would for Qt."""
    try:
        ctypes.CDLL(library)
    except OSError:
        return False
    return True


def missing_libraries(platform: str, also_need: Iterable[str] = ()) -> list[str]:
    """The libraries Qt needs on `platform` (and `also_need`) that do not load here."""
    wanted = dict.fromkeys([*system_libraries(platform), *also_need])
    return [name for name in wanted if not loads(name)]


def install_message(missing: Sequence[str]) -> str:
    """What to tell the user: the libraries that are missing and the line that installs them."""
    packages = sorted({PACKAGES[name] for name in missing if name in PACKAGES})
    unknown = [name for name in missing if name not in PACKAGES]
    lines = ["Keepwell's window, and its tests, need system libraries for Qt that this machine "
             f"lacks: {', '.join(sorted(missing))}."]
    if packages:
        lines += ["Install them with:", f"    sudo apt-get install -y {' '.join(packages)}"]
    if unknown:
        lines.append(f"{'Also install' if packages else 'Install'} the packages that provide "
                     f"{', '.join(unknown)} (on Debian, `apt-file search NAME` finds them).")
    return "\n".join(lines)


def qt_problem(platform: str | None = None) -> str | None:
    """The message for libraries Qt lacks here (None when all load, or off Linux).
    KEEPWELL_CHECK_ALSO_NEED adds libraries to the check (see ENV_ALSO_NEED)."""
    if not sys.platform.startswith("linux"):
        return None
    also = [n.strip() for n in os.environ.get(ENV_ALSO_NEED, "").split(",") if n.strip()]
    missing = missing_libraries(platform or qt_platform(), also)
    return install_message(missing) if missing else None


def display_problem() -> str | None:
    """The message when this session has no display for the window (None when it has one)."""
    if not sys.platform.startswith("linux"):
        return None
    if (os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY")
            or os.environ.get("WAYLAND_DISPLAY")):
        return None
    return ("Keepwell is a desktop program, and this session has no display (neither DISPLAY "
            "nor WAYLAND_DISPLAY is set).\nRun it from a desktop session, or over SSH with X "
            "forwarding (ssh -X). The command line works anywhere: .venv/bin/keepwell --help")


def main() -> int:
    """`make run` runs this as is; `make test` with QT_QPA_PLATFORM=offscreen (no display)."""
    problem = display_problem() or qt_problem()
    if problem:
        print(problem)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
