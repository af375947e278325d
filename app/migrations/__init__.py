"""The schema ladder: numbered scripts run by playhouse.migrations, never edited once shipped.

Each script declares frozen copies of the tables it creates, independent of `app.models`, so
that later changes to the models cannot change what an old step did.
"""
