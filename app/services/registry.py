"""Declares services: permission first, one transaction per mutation, and a list of them all
so the permission test is generated from the role matrix and no service can be forgotten."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from app.db import DATABASE_ERRORS, is_sqlite, storage_failure, write_transaction
from app.errors import PermissionDenied
from app.permissions import Actor, Perm, require

P = ParamSpec("P")
R = TypeVar("R")

# None as the permission means "any signed-in user" (a person, not SYSTEM or IT).
SIGNED_IN = None


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    perm: Perm | None
    mutating: bool
    func: Callable


SERVICES: dict[str, ServiceInfo] = {}


def check(actor: Actor, perm: Perm | None) -> None:
    if perm is SIGNED_IN:
        if actor.user_id is None:
            raise PermissionDenied("This needs a signed-in Keepwell user.")
        return
    require(actor, perm)


def _declare(
    perm: Perm | None, mutating: bool, transaction: bool = True
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        name = f"{func.__module__.removeprefix('app.services.')}.{func.__name__}"

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = args[0] if args else kwargs.get("actor")
            if not isinstance(actor, Actor):
                raise TypeError(f"{name} takes the acting user's session first")
            check(actor, perm)
            try:
                if not (mutating and transaction):
                    return func(*args, **kwargs)
                with write_transaction():
                    return func(*args, **kwargs)
            except DATABASE_ERRORS as exc:  # a damaged file or a failing disk, met reading
                # (writes are classified by write_transaction; a PostgreSQL server's full temp
                # space during a report is the server's, and stops nothing here)
                failure = storage_failure(exc) if is_sqlite() else None
                if failure is None:
                    raise
                raise failure from exc

        SERVICES[name] = ServiceInfo(name, perm, mutating, wrapper)
        return wrapper

    return decorate


def mutation(
    perm: Perm | None, *, transaction: bool = True
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A service that changes data: permission check, then one write transaction.

    `transaction=False` is for a service with slow work to do before it writes (a bcrypt hash
    takes ~250 ms; other desks should not wait on the write lock meanwhile): it opens its own
    single `write_transaction()` for all its writes and their audit events."""
    return _declare(perm, mutating=True, transaction=transaction)


def query(perm: Perm | None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A service that only reads: permission check only."""
    return _declare(perm, mutating=False)
