"""Every service × every role, generated from the role matrix, so no service can be forgotten.

Adding a service means: declare it with @mutation/@query in app/services, and add an entry to
MUTATION_CALLS or QUERY_CALLS below that builds valid arguments for it. Both are enforced here.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import app.services
from app.errors import PermissionDenied
from app.models import ALL_MODELS, AuditEvent
from app.permissions import ROLE_PERMISSIONS, SYSTEM, USER_ROLES, Actor, Perm, Role, it_actor
from app.services import registry
from app.services.work_orders.listing import WorkOrderFilter
from tests.conftest import TEST_PASSWORD
from tests.unit.permission_context import (
    Call,
    Context,
    deactivated_user,
    locked_user,
    rename_user,
)


def import_all_services() -> list[Any]:
    """Import every module of app.services and its subject packages, so registry.SERVICES is
    complete."""
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(app.services.__path__, f"{app.services.__name__}.")
    ]


SERVICE_MODULES = import_all_services()
SERVICES = dict(registry.SERVICES)
MUTATIONS = sorted(name for name, info in SERVICES.items() if info.mutating)
QUERIES = sorted(name for name, info in SERVICES.items() if not info.mutating)

# Public functions that take an actor first but are not services: building blocks that a
# service calls inside its own transaction (after its own permission check). Each needs a
# reason; a new entry here deserves the same scrutiny as a new permission.
NOT_SERVICES = {
    "registry.check": "the permission check itself, run first by every service",
    "audit.record": "appends an event inside the calling service's transaction",
    "audit.record_many": "appends events inside the calling service's transaction",
    "settings.write_setting": "stores a setting inside the calling service's transaction",
    "people.users.create_user_record": "shared by users.add_user and first-run setup",
    "people.auth.verify_password":
        "re-checks the signed-in user's own password; False for no account",
    "people.auth.signature_refusal": "a building block of the sign-off, which checks WO_WORK",
    "people.auth.locked_until": "the signed-in user's own lock, for the idle lock's words",
}


def actor_first_functions() -> dict[str, Callable]:
    found = {}
    for module in SERVICE_MODULES:
        short = module.__name__.removeprefix(f"{app.services.__name__}.")
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj):
                continue
            if getattr(obj, "__module__", None) != module.__name__:
                continue  # imported from elsewhere
            params = list(inspect.signature(obj).parameters)
            if params[:1] == ["actor"]:
                found[f"{short}.{name}"] = obj
    return found


def test_every_function_taking_an_actor_is_a_declared_service():
    functions = actor_first_functions()
    undeclared = sorted(set(functions) - set(SERVICES) - set(NOT_SERVICES))
    assert undeclared == [], (
        "These take the acting user first but are not declared with @mutation(perm) or "
        f"@query(perm) in app.services.registry, so nothing checks their permission: {undeclared}"
    )
    for name, func in functions.items():
        if name in SERVICES:
            assert SERVICES[name].func is func, f"{name} is registered but not as the module's"


def test_the_not_a_service_list_is_current():
    functions = actor_first_functions()
    stale = sorted(name for name in NOT_SERVICES if name not in functions or name in SERVICES)
    assert stale == [], f"remove these from NOT_SERVICES: {stale}"


def test_every_service_takes_the_actor_first_and_is_refused_without_one():
    for name, info in SERVICES.items():
        assert list(inspect.signature(info.func).parameters)[:1] == ["actor"], name
        with pytest.raises(TypeError):
            info.func(None)


# --- the matrix: every service × every role --------------------------------------------------


# service name -> builds (args, kwargs) after the actor: a call that is valid and changes data.
MUTATION_CALLS: dict[str, Callable[[Context], Call]] = {
    "people.auth.change_own_password": lambda ctx: ((TEST_PASSWORD, "a-fresh-password-9"), {}),
    "settings.set_organisation_name": lambda ctx: ((f"Plant {next(ctx.serial)}",), {}),
    "settings.change_office_settings": lambda ctx: (
        (), {"pm_check_minutes": next(ctx.serial) % 60 + 1}),
    "people.users.add_user": lambda ctx: (
        (f"new{next(ctx.serial)}", "New Person", "technician", "a-good-password-1"), {}),
    "people.users.update_user": rename_user,
    "people.users.change_role": lambda ctx: ((ctx.new_user().id, "planner"), {}),
    "people.users.deactivate_user": lambda ctx: ((ctx.new_user().id,), {}),
    "people.users.reactivate_user": lambda ctx: ((deactivated_user(ctx),), {}),
    "people.users.reset_password": lambda ctx: ((ctx.new_user().id, "temporary-pass-1"), {}),
    "people.users.unlock_user": lambda ctx: ((locked_user(ctx),), {}),
}

QUERY_CALLS: dict[str, Callable[[Context], Call]] = {
    "audit.recent_events": lambda ctx: ((), {}),
    "audit.verify_chain": lambda ctx: ((), {}),
    "settings.office_settings": lambda ctx: ((), {}),
    "people.users.get_user": lambda ctx: ((ctx.new_user().id,), {}),
    "people.users.list_users": lambda ctx: ((), {}),
    "work_orders.listing.count_work_orders": lambda ctx: ((WorkOrderFilter(search="pump"),), {}),
    "work_orders.listing.list_work_orders": lambda ctx: (
        (WorkOrderFilter(search="pump"),), {"sort": "number"}),
}

def _merge_area_builders() -> None:
    """Add the builders of every tests/unit/permission_calls_<area>.py."""
    folder = Path(__file__).parent
    for info in pkgutil.iter_modules([str(folder)]):
        if info.name.startswith("permission_calls_"):
            area = importlib.import_module(f"tests.unit.{info.name}")
            for target, extra in ((MUTATION_CALLS, area.MUTATION_CALLS),
                                  (QUERY_CALLS, area.QUERY_CALLS)):
                clash = set(target) & set(extra)
                assert not clash, f"{info.name} redefines builders for {sorted(clash)}"
                target.update(extra)


_merge_area_builders()

ALL_ROLES = list(Role)


def actor_for_role(role: Role, actors: dict[Role, Actor]) -> Actor:
    if role is Role.SYSTEM:
        return SYSTEM
    if role is Role.IT:
        return it_actor("root")
    return actors[role]


def expected_allowed(perm: Perm | None, actor: Actor) -> bool:
    if perm is registry.SIGNED_IN:
        return actor.user_id is not None
    return perm in ROLE_PERMISSIONS[actor.role]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table: a refused call must leave all of it as it was."""
    return {
        model.__name__: list(model.select().order_by(model._meta.primary_key).tuples())
        for model in ALL_MODELS
    }


def test_every_mutation_has_an_argument_builder():
    missing = sorted(set(MUTATIONS) - set(MUTATION_CALLS))
    assert missing == [], (
        f"Add an entry to MUTATION_CALLS in {__file__} for {missing}: a function of the test "
        "context returning (args, kwargs) for a valid call, so its permission is tested for "
        "every role."
    )
    assert sorted(set(MUTATION_CALLS) - set(MUTATIONS)) == [], "stale MUTATION_CALLS entries"


def test_every_query_has_an_argument_builder():
    missing = sorted(set(QUERIES) - set(QUERY_CALLS))
    assert missing == [], (
        f"Add an entry to QUERY_CALLS in {__file__} for {missing}: a function of the test "
        "context returning (args, kwargs) for a valid call."
    )
    assert sorted(set(QUERY_CALLS) - set(QUERIES)) == [], "stale QUERY_CALLS entries"


def run_for_every_role(name: str, builders: dict, admin, actors, make_user) -> list[str]:
    info = SERVICES[name]
    if name not in builders:
        pytest.fail(f"{name} has no argument builder (see test_every_*_has_an_argument_builder)")
    wrong = []
    serial = itertools.count(1)
    for role in ALL_ROLES:
        actor = actor_for_role(role, actors)
        ctx = Context(admin=admin, actor=actor, make_user=make_user, serial=serial)
        args, kwargs = builders[name](ctx)
        allowed = expected_allowed(info.perm, actor)
        before = snapshot()
        events_before = AuditEvent.select().count()
        try:
            info.func(actor, *args, **kwargs)
        except PermissionDenied as exc:
            if allowed:
                wrong.append(f"{role.value}: refused but should be allowed ({exc})")
            elif snapshot() != before:
                wrong.append(f"{role.value}: refused, but data was written")
            continue
        if not allowed:
            wrong.append(f"{role.value}: allowed but should be refused")
        elif info.mutating and AuditEvent.select().count() == events_before:
            wrong.append(f"{role.value}: allowed, but wrote no audit event")
    return wrong


@pytest.mark.parametrize("name", MUTATIONS)
def test_mutation_is_allowed_exactly_for_the_roles_with_its_permission(
    name, admin, actors, make_user
):
    wrong = run_for_every_role(name, MUTATION_CALLS, admin, actors, make_user)
    assert wrong == [], f"{name} (needs {SERVICES[name].perm}):\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("name", QUERIES)
def test_query_is_allowed_exactly_for_the_roles_with_its_permission(
    name, admin, actors, make_user
):
    wrong = run_for_every_role(name, QUERY_CALLS, admin, actors, make_user)
    assert wrong == [], f"{name} (needs {SERVICES[name].perm}):\n  " + "\n  ".join(wrong)


def test_signed_in_means_a_person_not_system_or_it():
    assert not expected_allowed(registry.SIGNED_IN, SYSTEM)
    assert not expected_allowed(registry.SIGNED_IN, it_actor("root"))
    with pytest.raises(PermissionDenied):
        registry.check(SYSTEM, registry.SIGNED_IN)
    registry.check(Actor(7, "tess", "Tess", Role.REQUESTER), registry.SIGNED_IN)


# --- the matrix itself, against DESIGN.md section 6 ------------------------------------------

# DESIGN.md section 6, row by row, plus the two actors that are not people (system: the PM
# worker; it: database-level CLI commands). "own" is allowed here; the service then limits it
# to the technician's own orders.
DESIGN_MATRIX = """
permission           admin  planner  supervisor  technician  requester  system  it
request.file           ✓       ✓         ✓           ✓           ✓         -     -
wo.view                ✓       ✓         ✓           ✓           -         ✓     -
wo.edit                ✓       ✓         ✓           -           -         -     -
wo.work                ✓       ✓         ✓          own          -         -     -
wo.close               ✓       -         ✓           -           -         -     -
wo.print               ✓       ✓         ✓          own          -         ✓     -
pm.manage              ✓       ✓         -           -           -         -     -
pm.run                 ✓       ✓         -           -           -         ✓     -
asset.manage           ✓       ✓         -           -           -         -     -
inventory.manage       ✓       ✓         ✓           -           -         -     -
inventory.issue_own    -       -         -           ✓           -         -     -
reports.view           ✓       ✓         ✓           -           -         -     -
user.manage            ✓       -         -           -           -         -     ✓
settings.manage        ✓       -         -           -           -         -     ✓
audit.verify           ✓       -         -           -           -         -     ✓
db.upgrade             ✓       -         -           -           -         -     ✓
"""


def parse_matrix(text: str) -> dict[Role, set[Perm]]:
    header, *rows = [line.split() for line in text.strip().splitlines()]
    roles = [Role(name) for name in header[1:]]
    granted: dict[Role, set[Perm]] = {role: set() for role in roles}
    for perm_name, *marks in rows:
        assert len(marks) == len(roles), f"row {perm_name} has {len(marks)} columns"
        for role, mark in zip(roles, marks, strict=True):
            assert mark in ("✓", "own", "-"), f"{perm_name}/{role}: {mark!r}"
            if mark != "-":
                granted[role].add(Perm(perm_name))
    return granted


def test_role_matrix_matches_design():
    design = parse_matrix(DESIGN_MATRIX)
    assert set(design) == set(Role), "every role has a column"
    rows = [line.split()[0] for line in DESIGN_MATRIX.strip().splitlines()[1:]]
    assert sorted(rows) == sorted(p.value for p in Perm), "every permission has a row"
    for role in Role:
        assert set(ROLE_PERMISSIONS[role]) == design[role], role.value


def test_every_role_an_account_can_have_is_a_person_role():
    assert set(USER_ROLES) == set(Role) - {Role.SYSTEM, Role.IT}
