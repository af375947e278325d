"""The audit trail's head: one row holding how many events were ever written and the hash of
the newest, advanced in the same transaction as each event (services/audit.py). Deleting
events does not lower it, so `keepwell audit verify` notices a trail cut short at its end, or
emptied, which the hash chain alone cannot (what is left of a chain still links up).

A database upgraded to this step starts its head at the trail as it stands."""

from peewee import CharField, IntegerField, Model

GENESIS = "0" * 64  # the hash an empty trail's head names (services/audit.py's GENESIS)


def up(migrator, db):
    class AuditHead(Model):
        id = IntegerField(primary_key=True)
        events = IntegerField(default=0)
        hash = CharField(max_length=64)

        class Meta:
            database = db
            table_name = "audit_head"

    db.create_tables([AuditHead], safe=False)
    events = db.execute_sql("SELECT count(*) FROM audit_event").fetchone()[0]
    newest = db.execute_sql("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
    AuditHead.insert(id=1, events=events, hash=newest[0] if newest else GENESIS).execute()
