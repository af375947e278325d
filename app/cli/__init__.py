"""The `keepwell` command line: one module per subject, shared helpers in `common`."""
