"""Search: assets in the global search box by words of their name, tag or maker, from a
full-text index as work orders are (0003): SQLite FTS5 kept by triggers, PostgreSQL GIN."""

SQLITE = [
    """CREATE VIRTUAL TABLE asset_fts USING fts5(
           tag, name, manufacturer, model,
           content='asset', content_rowid='id',
           tokenize="unicode61 remove_diacritics 2")""",
    """CREATE TRIGGER asset_fts_insert AFTER INSERT ON asset BEGIN
           INSERT INTO asset_fts(rowid, tag, name, manufacturer, model)
           VALUES (new.id, new.tag, new.name, new.manufacturer, new.model);
       END""",
    """CREATE TRIGGER asset_fts_delete AFTER DELETE ON asset BEGIN
           INSERT INTO asset_fts(asset_fts, rowid, tag, name, manufacturer, model)
           VALUES ('delete', old.id, old.tag, old.name, old.manufacturer, old.model);
       END""",
    """CREATE TRIGGER asset_fts_update AFTER UPDATE OF tag, name, manufacturer, model
       ON asset BEGIN
           INSERT INTO asset_fts(asset_fts, rowid, tag, name, manufacturer, model)
           VALUES ('delete', old.id, old.tag, old.name, old.manufacturer, old.model);
           INSERT INTO asset_fts(rowid, tag, name, manufacturer, model)
           VALUES (new.id, new.tag, new.name, new.manufacturer, new.model);
       END""",
    "INSERT INTO asset_fts(asset_fts) VALUES ('rebuild')",
]

POSTGRES = [
    """CREATE INDEX asset_text_search ON asset USING gin (
           to_tsvector('keepwell_search',
                       tag || ' ' || name || ' ' || manufacturer || ' ' || model))""",
]


def up(migrator, db):
    from peewee import SqliteDatabase

    for statement in SQLITE if isinstance(db, SqliteDatabase) else POSTGRES:
        db.execute_sql(statement)
