"""Keepwell's PySide6 desktop GUI. Calls app.services; never builds queries itself."""
