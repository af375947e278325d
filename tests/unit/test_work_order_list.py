"""The work-order list: sorting, paging and text search in SQL, light rows, the WO_VIEW gate.

Test data is chosen so that every sort order is the same under any collation (SQLite's binary,
PostgreSQL's C or en_US): values compared by a sort differ first in a letter or a digit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import peewee
import pytest

from app import db
from app.errors import PermissionDenied, ValidationError
from app.models import Asset, User, WorkOrder
from app.permissions import SYSTEM, Role, it_actor
from app.services.work_orders import listing
from app.services.work_orders.listing import SORT_COLUMNS, WorkOrderFilter, WorkOrderRow
from app.vocabulary import WO_STATUSES

ASSETS = {  # tag: name
    "P-101": "Boiler feed pump",
    "C-201": "Air compressor",
    "M-301": "Ölpumpe Kessel",
}
TECHS = ["Alice Archer", "Bruno Baker", "Chen Cooper"]
D = dt.date
# number suffix, title, asset tag, status, priority, due date, assignee
ORDERS = [
    (1, "replace pump seal", "P-101", "open", 2, D(2026, 3, 10), "Bruno Baker"),
    (2, "inspect compressor belts", "C-201", "assigned", 3, None, "Alice Archer"),
    (3, "grease motor bearings", "M-301", "in_progress", 3, D(2026, 3, 5), None),
    (4, "check fire extinguishers", None, "completed", 1, D(2026, 2, 28), "Chen Cooper"),
    (5, "tank_2 level at 50% done", None, "on_hold", 4, None, None),
    (6, "fix O'Brien's \"quiet\" fan", "P-101", "open", 2, D(2026, 3, 10), "Alice Archer"),
    (7, "align conveyor belt", "C-201", "closed", 3, D(2026, 3, 1), "Bruno Baker"),
    (8, "bolt 50 anchors", None, "open", 1, D(2026, 3, 5), None),
    (9, "drain tankA2 back\\flow", "M-301", "cancelled", 4, D(2026, 4, 1), "Chen Cooper"),
]

# How each sort column orders the test data (None sorts last in both directions).
SORT_KEYS = {
    "number": lambda o: f"WO-2026-{o[0]:06d}",
    "title": lambda o: o[1],
    "asset": lambda o: o[2],
    "status": lambda o: WO_STATUSES.index(o[3]),  # lifecycle order, not alphabetical
    "priority": lambda o: o[4],
    "due_date": lambda o: o[5],
    "assignee": lambda o: o[6],
}


@pytest.fixture
def orders(admin) -> dict[int, int]:
    """The test work orders, inserted directly; returns {number suffix: work order id}."""
    assets = {tag: Asset.create(tag=tag, name=name).id for tag, name in ASSETS.items()}
    techs = {
        name: User.create(username=name.split()[0].lower(), full_name=name, role="technician",
                          password_hash="-").id
        for name in TECHS
    }
    ids = {}
    for n, title, tag, status, priority, due, assignee in ORDERS:
        ids[n] = WorkOrder.create(
            number=f"WO-2026-{n:06d}", title=title, asset=assets.get(tag), status=status,
            priority=priority, due_date=due, assignee=techs.get(assignee),
        ).id
    return ids


@pytest.fixture
def viewer(actors):
    return actors[Role.TECHNICIAN]


def expected_order(orders: dict[int, int], sort: str, descending: bool) -> list[int]:
    key = SORT_KEYS[sort]
    valued = [o for o in ORDERS if key(o) is not None]
    empty = [o for o in ORDERS if key(o) is None]
    valued.sort(key=lambda o: (key(o), orders[o[0]]), reverse=descending)
    empty.sort(key=lambda o: orders[o[0]], reverse=descending)
    return [orders[o[0]] for o in valued + empty]


def ids_of(rows: list[WorkOrderRow]) -> list[int]:
    return [r.id for r in rows]


def test_every_sort_column_has_an_expected_order():
    assert set(SORT_KEYS) == set(SORT_COLUMNS), "add the new column to SORT_KEYS"


SORTS = [(sort, descending) for sort in sorted(SORT_COLUMNS) for descending in (False, True)]


def test_sort_by_every_column_with_empty_values_last(orders, viewer, subtests):
    for sort, descending in SORTS:
        with subtests.test(sort=sort, descending=descending):
            rows = listing.list_work_orders(viewer, sort=sort, descending=descending)
            assert ids_of(rows) == expected_order(orders, sort, descending)


def test_pages_have_no_overlaps_or_gaps(orders, viewer, subtests):
    for sort, descending in SORTS:
        with subtests.test(sort=sort, descending=descending):
            pages = [
                listing.list_work_orders(viewer, sort=sort, descending=descending,
                                             offset=offset, limit=4)
                for offset in (0, 4, 8, 12)
            ]
            assert [len(p) for p in pages] == [4, 4, 1, 0]
            assert ids_of([r for page in pages for r in page]) == expected_order(
                orders, sort, descending)


def test_keyset_pages_continue_after_the_last_row_through_empty_values(orders, viewer,
                                                                       subtests):
    # Pages of 2 cross from the orders with a value in the sort column to those without.
    for sort, descending in SORTS:
        with subtests.test(sort=sort, descending=descending):
            seen: list[WorkOrderRow] = []
            for _page in range(6):
                page = listing.list_work_orders(viewer, sort=sort, descending=descending,
                                                    limit=2, after=seen[-1] if seen else None)
                seen += page
            assert ids_of(seen) == expected_order(orders, sort, descending)


def test_keyset_pages_backwards_and_from_the_end(orders, viewer, subtests):
    for sort, descending in SORTS:
        with subtests.test(sort=sort, descending=descending):
            expected = expected_order(orders, sort, descending)
            last = listing.list_work_orders(viewer, sort=sort, descending=descending,
                                                limit=2, from_end=True)
            assert ids_of(last) == expected[-2:]
            seen = list(last)
            while True:
                page = listing.list_work_orders(viewer, sort=sort, descending=descending,
                                                    limit=2, before=seen[0])
                if not page:
                    break
                seen = page + seen
            assert ids_of(seen) == expected


def test_keyset_and_offset_cannot_be_combined(orders, viewer):
    first = listing.list_work_orders(viewer, limit=1)
    with pytest.raises(ValidationError) as caught:
        listing.list_work_orders(viewer, after=first[0], offset=1)
    assert set(caught.value.fields) == {"offset"}


def test_count_matches_the_list(orders, viewer):
    assert listing.count_work_orders(viewer) == len(ORDERS)
    assert len(listing.list_work_orders(viewer)) == len(ORDERS)


SEARCHES = [
    ("000003", {3}),  # number
    ("wo-2026-00000", set(range(1, 10))),
    ("PUMP", {1, 3, 6, 9}),  # title; asset names "Boiler feed pump", "Ölpumpe Kessel"
    ("SEAL", {1}),  # title only
    ("c-201", {2, 7}),  # asset tag
    ("AIR COMP", {2, 7}),  # asset name
    ("alice", {2, 6}),  # assignee name
    ("archer", {2, 6}),
    ("  bearings  ", {3}),
    ("%", {5}),
    ("50%", {5}),  # not "bolt 50 anchors"
    ("_", {5}),
    ("tank_2", {5}),  # not "tankA2"
    ("O'Brien", {6}),
    ('"quiet"', {6}),
    ("\\", {9}),
    ("back\\flow", {9}),
    ("'; DROP TABLE work_order;--", set()),
    ("no such thing", set()),
]


def test_search_matches_literally_and_ignores_case(orders, viewer, subtests):
    for search, expected in SEARCHES:
        with subtests.test(search=search):
            found = WorkOrderFilter(search=search)
            rows = listing.list_work_orders(viewer, found, sort="number")
            assert set(ids_of(rows)) == {orders[n] for n in expected}
            assert listing.count_work_orders(viewer, found) == len(expected)
    assert WorkOrder.select().count() == len(ORDERS)


def test_search_ignores_case_of_accented_letters(orders, viewer):
    # SQLite's own LIKE folds ASCII letters only; the office must still find its Ölpumpe.
    rows = listing.list_work_orders(viewer, WorkOrderFilter(search="ölpumpe"))
    assert set(ids_of(rows)) == {orders[3], orders[9]}


def test_blank_search_lists_everything(orders, viewer):
    assert len(listing.list_work_orders(viewer, WorkOrderFilter(search="   "))) == len(ORDERS)


def test_rows_are_plain_values_ready_to_show(orders, viewer):
    rows = {r.id: r for r in listing.list_work_orders(viewer, sort="number")}
    for row in rows.values():
        assert dataclasses.is_dataclass(row) and not isinstance(row, peewee.Model)
        for f in dataclasses.fields(row):
            value = getattr(row, f.name)
            assert value is None or type(value) in (int, str, dt.date), (f.name, value)
    assert rows[orders[1]] == WorkOrderRow(
        id=orders[1], number="WO-2026-000001", title="replace pump seal", asset_tag="P-101",
        asset_name="Boiler feed pump", status="open", priority=2, due_date=D(2026, 3, 10),
        assignee_name="Bruno Baker", type="corrective", version=1)
    # Missing asset or assignee shows as empty text, not None.
    fifth = rows[orders[5]]
    assert (fifth.asset_tag, fifth.asset_name, fifth.assignee_name, fifth.due_date) == (
        "", "", "", None)


def test_reading_rows_runs_no_queries(orders, viewer):
    rows = listing.list_work_orders(viewer)
    db.close()  # with no connection, any lazy access would have to reconnect...
    database = db.database.obj
    database.connect = None  # ...and would fail here
    try:
        seen = [dataclasses.astuple(r) for r in rows]
    finally:
        del database.connect
    assert len(seen) == len(ORDERS)


def test_requesters_and_it_may_not_list_work_orders(orders, actors):
    for actor in (actors[Role.REQUESTER], it_actor("root")):
        with pytest.raises(PermissionDenied):
            listing.list_work_orders(actor)
        with pytest.raises(PermissionDenied):
            listing.count_work_orders(actor)


def test_the_pm_worker_may_list_work_orders(orders):
    assert listing.count_work_orders(SYSTEM) == len(ORDERS)
    assert len(listing.list_work_orders(SYSTEM)) == len(ORDERS)


def test_bad_paging_or_sort_is_refused(orders, viewer, subtests):
    bad = [{"sort": "description"}, {"sort": "id; DROP TABLE work_order"}, {"offset": -1},
           {"limit": 0}, {"limit": 1001}]
    for kwargs in bad:
        with subtests.test(**kwargs), pytest.raises(ValidationError):
            listing.list_work_orders(viewer, **kwargs)


def test_finished_orders_can_be_left_out(orders, viewer):
    current = WorkOrderFilter(include_finished=False)
    rows = listing.list_work_orders(viewer, current, sort="number")
    assert set(ids_of(rows)) == {orders[n] for n in (1, 2, 3, 4, 5, 6, 8)}
    assert listing.count_work_orders(viewer, current) == 7
    belts = WorkOrderFilter(search="belt", include_finished=False)
    assert listing.count_work_orders(viewer, belts) == 1


def test_status_filter_in_sql(orders, viewer):
    rows = listing.list_work_orders(viewer, WorkOrderFilter(statuses=("open", "closed")),
                                        sort="number")
    assert set(ids_of(rows)) == {orders[n] for n in (1, 6, 7, 8)}
    assert listing.count_work_orders(viewer, WorkOrderFilter(statuses=("on_hold",))) == 1


FILTERS = [  # filter fields -> the order suffixes it lets through
    ({"types": ("corrective",)}, set(range(1, 10))),
    ({"types": ("preventive",)}, set()),
    ({"priorities": (1, 4)}, {4, 5, 8, 9}),
    ({"unassigned": True}, {3, 5, 8}),
    ({"due_from": D(2026, 3, 5), "due_to": D(2026, 3, 10)}, {1, 3, 6, 8}),
    ({"due_from": D(2026, 3, 6)}, {1, 6, 9}),
    ({"due_to": D(2026, 2, 28)}, {4}),
    # Overdue is current work past its due date: not completed, closed or cancelled orders.
    ({"overdue": True, "today": D(2026, 3, 10)}, {3, 8}),
    ({"overdue": True, "today": D(2026, 3, 11)}, {1, 3, 6, 8}),
    ({"overdue": True, "include_finished": False, "priorities": (2,),
      "today": D(2026, 3, 11)}, {1, 6}),
    ({"search": "pump", "statuses": ("open",)}, {1, 6}),
]


def test_every_filter_narrows_in_sql(orders, viewer, subtests):
    for fields, expected in FILTERS:
        with subtests.test(**{k: str(v) for k, v in fields.items()}):
            filters = WorkOrderFilter(**fields)
            rows = listing.list_work_orders(viewer, filters, sort="number")
            assert set(ids_of(rows)) == {orders[n] for n in expected}
            assert listing.count_work_orders(viewer, filters) == len(expected)


def test_filter_by_asset_and_assignee(orders, viewer):
    pump = Asset.get(Asset.tag == "P-101").id
    bruno = User.get(User.username == "bruno").id
    by_asset = listing.list_work_orders(viewer, WorkOrderFilter(asset_id=pump))
    assert set(ids_of(by_asset)) == {orders[1], orders[6]}
    by_person = listing.list_work_orders(viewer, WorkOrderFilter(assignee_id=bruno))
    assert set(ids_of(by_person)) == {orders[1], orders[7]}


def test_bad_filters_are_refused_per_field(orders, viewer, subtests):
    bad = [
        ({"statuses": ("done",)}, {"status"}),
        ({"types": ("repair",)}, {"type"}),
        ({"priorities": (0,)}, {"priority"}),
        ({"due_from": D(2026, 4, 1), "due_to": D(2026, 3, 1)}, {"due_from"}),
        ({"unassigned": True, "assignee_id": 1}, {"assignee"}),
    ]
    for fields, wrong in bad:
        with subtests.test(**{k: str(v) for k, v in fields.items()}):
            with pytest.raises(ValidationError) as caught:
                listing.list_work_orders(viewer, WorkOrderFilter(**fields))
            assert set(caught.value.fields) == wrong
