"""Keepwell core: models, database, services. Never imports Qt."""

__version__ = "0.1.0"
