"""Search: a full-text index of work orders (number, title, description) for the global
search box, and an index for paging by due date.

SQLite: an FTS5 table over work_order kept current by triggers, folding case and accents.
PostgreSQL: a GIN index on the text vector of the same columns in the `keepwell_search`
configuration: 'simple' words with accents folded by the unaccent extension (trusted: a database
owner may create it) or, where the server lacks it, 'simple' words as they are. Also a
(due_date, id) index so deep pages in due-date order are an index range.
"""

SQLITE = [
    """CREATE VIRTUAL TABLE work_order_fts USING fts5(
           number, title, description,
           content='work_order', content_rowid='id',
           tokenize="unicode61 remove_diacritics 2")""",
    """CREATE TRIGGER work_order_fts_insert AFTER INSERT ON work_order BEGIN
           INSERT INTO work_order_fts(rowid, number, title, description)
           VALUES (new.id, new.number, new.title, new.description);
       END""",
    """CREATE TRIGGER work_order_fts_delete AFTER DELETE ON work_order BEGIN
           INSERT INTO work_order_fts(work_order_fts, rowid, number, title, description)
           VALUES ('delete', old.id, old.number, old.title, old.description);
       END""",
    """CREATE TRIGGER work_order_fts_update AFTER UPDATE OF number, title, description
       ON work_order BEGIN
           INSERT INTO work_order_fts(work_order_fts, rowid, number, title, description)
           VALUES ('delete', old.id, old.number, old.title, old.description);
           INSERT INTO work_order_fts(rowid, number, title, description)
           VALUES (new.id, new.number, new.title, new.description);
       END""",
    "INSERT INTO work_order_fts(work_order_fts) VALUES ('rebuild')",
]

POSTGRES = [
    "CREATE TEXT SEARCH CONFIGURATION keepwell_search (COPY = simple)",
    """CREATE INDEX work_order_text_search ON work_order USING gin (
           to_tsvector('keepwell_search', number || ' ' || title || ' ' || description))""",
    "CREATE INDEX work_order_due_date_id ON work_order (due_date, id)",
]
UNACCENT = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """ALTER TEXT SEARCH CONFIGURATION keepwell_search
           ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple""",
]


def up(migrator, db):
    from peewee import DatabaseError, SqliteDatabase

    if isinstance(db, SqliteDatabase):
        for statement in SQLITE:
            db.execute_sql(statement)
        return
    db.execute_sql(POSTGRES[0])
    try:
        with db.atomic():  # a savepoint: without unaccent, search still works, accents kept
            for statement in UNACCENT:
                db.execute_sql(statement)
    except DatabaseError:
        pass
    for statement in POSTGRES[1:]:
        db.execute_sql(statement)
