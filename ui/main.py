"""The `keepwell` command: no sub-command opens the GUI, any sub-command runs the CLI.

Qt is imported only when the GUI starts, so `keepwell db check` and friends work on a server
with no display libraries.
"""

from __future__ import annotations

import argparse
import sys


def _gui_only(argv: list[str]) -> argparse.Namespace | None:
    """The arguments when they only open the GUI (`keepwell`, `keepwell --db URL`), parsed
    without building the whole CLI: the login dialog appears sooner. None otherwise."""
    if not argv:
        return argparse.Namespace(command=None, db=None)
    if len(argv) == 2 and argv[0] == "--db" and not argv[1].startswith("-"):
        return argparse.Namespace(command=None, db=argv[1])
    if len(argv) == 1 and argv[0].startswith("--db="):
        return argparse.Namespace(command=None, db=argv[0].removeprefix("--db="))
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _gui_only(argv)
    if args is None:
        from app.cli import main as cli

        args = cli.parse_args(argv)
        if args.command is not None:
            return cli.run(args)
    from ui.shell.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
