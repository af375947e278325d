"""`python -m app.cli ...`: the command line without the GUI entry (as `keepwell ...`)."""

import sys

from app.cli.main import main

if __name__ == "__main__":  # not when a tool imports every module (tests/unit/test_layers.py)
    sys.exit(main())
