"""Use cases: the only public API of the core, shared by the GUI and the CLI.

Every mutating service is declared with `@mutation(perm)` (see `registry`): the permission is
checked first, the body runs in one write transaction, and its audit events are written in it.
"""
