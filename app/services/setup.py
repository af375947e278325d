"""First run: set up an organisation in an empty database (no users yet)."""

from __future__ import annotations

from app import db
from app.errors import ValidationError
from app.models import User
from app.permissions import Actor, Role
from app.services import settings
from app.services.common import clean_text, raise_if
from app.services.people.users import UserRow, create_user_record, user_row

# The actor for the one-time setup: there is no user to act as yet.
SETUP = Actor(user_id=None, username="setup", full_name="First-run setup", role=Role.IT)


def needs_setup() -> bool:
    """True while the database has no accounts: the first-run dialog is shown."""
    return not User.select().exists()


def set_up_organisation(
    organisation_name: str, admin_username: str, admin_full_name: str, admin_password: str
) -> UserRow:
    """Name the organisation and create its first admin, in one transaction. Refused once any
    account exists (then an admin manages users instead)."""
    with db.write_transaction():
        if not needs_setup():
            raise ValidationError({"database": "is already set up: sign in instead"})
        errors: dict[str, str] = {}
        name = clean_text(errors, "organisation_name", organisation_name, max_length=120)
        raise_if(errors)
        user = create_user_record(
            SETUP, admin_username, admin_full_name, Role.ADMIN.value, admin_password
        )
        settings.write_setting(SETUP, "organisation_name", name)
    return user_row(user.id)
