"""The window the work-order list reads through: any number of orders, sorted in SQL.

The model knows how many orders match (counted in the background) and holds only the pages
the view has looked at lately: a million orders scroll like a hundred. A page next to one it
holds is read by keyset (after its last row or before its first: an index range, a few ms), so
is the last page; a jump into the middle is read by offset in a background thread while the
rows show "Loading…", so the window never stalls. `data()` never queries otherwise.

`PageWindowModel` is that machinery; `WorkOrderTableModel` (table.py) adds the columns, what
they show and the sort.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Signal

from app.errors import KeepwellError
from app.services.work_orders.listing import PAGE_SIZE, WorkOrderFilter, WorkOrderRow
from ui.common.table_model import Index, RowTableModel
from ui.common.workers import BackgroundTask

log = logging.getLogger(__name__)

MAX_PAGES = 40  # pages held at once (8,000 rows): the memory a million orders cost
SHORT_LIST = 5 * PAGE_SIZE  # read again at once on a refresh
REREAD_PAGES = 3  # pages a refresh reads again in a long list (the ones on screen)
READS_AT_ONCE = 2  # background page reads running at a time
WAITING_PAGES = 4  # pages kept waiting for a read (the latest asked for)

# fetch_page(filters, sort, descending, limit, after=, before=, offset=, from_end=) -> rows
FetchPage = Callable[..., list[WorkOrderRow]]
CountRows = Callable[[WorkOrderFilter], int]


class PageWindowModel(RowTableModel[WorkOrderRow]):
    """`fetch_page` and `count` are service calls bound to the signed-in user. Without
    `count`, the model grows page by page as the view scrolls (canFetchMore). With it, the
    count runs in the background (`counted` tells the screen); then every row is there to
    scroll to, read when the view shows it. A subclass sets `filters`, `sort_key` and
    `descending` (what `fetch_page` is asked for) and says what the rows show."""

    counted = Signal(int)  # the number of matching orders, once known
    count_failed = Signal(str)
    filters: WorkOrderFilter
    sort_key: str
    descending: bool

    def __init__(self, fetch_page: FetchPage, page_size: int = PAGE_SIZE,
                 count: CountRows | None = None, max_pages: int = MAX_PAGES) -> None:
        super().__init__()
        self._fetch_page = fetch_page
        self._count = count
        self._page_size = page_size
        self._max_pages = max(max_pages, 4)
        self._pages: OrderedDict[int, list[WorkOrderRow]] = OrderedDict()
        self._rows_shown = 0  # rowCount
        self._total: int | None = None  # known once counted (or the end was reached)
        self._generation = 0  # bumps on every reset: late answers for an old list are dropped
        self._tasks: dict[int, BackgroundTask] = {}  # page -> its read in the background
        self._waiting: list[int] = []  # pages to read once a background read is free
        self._count_task: BackgroundTask | None = None
        self._growing = False
        self._hot_page, self._hot_rows = -1, []  # the page last read by data()

    # -- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows_shown

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._total is None and not self._growing

    def fetchMore(self, parent: Index) -> None:
        """Growing mode (before the count is in): the next page after the last row."""
        if parent.isValid() or self._total is not None or self._growing:
            return
        self._growing = True  # a view or tester may ask again while the rows go in
        try:
            self._grow()
        finally:
            self._growing = False

    def _grow(self) -> None:
        page_no = self._rows_shown // self._page_size
        after = self._row(self._rows_shown - 1) if self._rows_shown else None
        page = self._read(after=after) if self._rows_shown == 0 or after else None
        if page is None:
            return
        self._keep(page_no, page)
        if len(page) < self._page_size:
            self._total = self._rows_shown + len(page)  # the end: no count needed
            self._stop_count()
        if page:
            first = self._rows_shown
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows_shown += len(page)
            self.endInsertRows()
        if self._total is not None:
            self.counted.emit(self._total)

    # -- ours -----------------------------------------------------------------------------
    @property
    def total(self) -> int | None:
        return self._total

    def set_filters(self, filters: WorkOrderFilter) -> None:
        """Show what `filters` lets through (reloads only when they changed)."""
        if filters != self.filters:
            self.filters = filters
            self.reload()

    def reload(self) -> None:
        """Drop every page, read the first one, and count again in the background."""
        self._growing = True  # views look (and may ask for more) inside endResetModel
        try:
            self.beginResetModel()
            self._generation += 1
            self._pages.clear()
            self._hot_page = -1
            self._tasks.clear()
            self._waiting.clear()
            self._stop_count()
            self._rows_shown = 0
            self._total = None
            self.endResetModel()
        finally:
            self._growing = False
        self.fetchMore(QModelIndex())
        if self._total is None and self._count is not None:
            self._start_count()

    def refresh(self) -> None:
        """Read again what is shown, keeping the rows where they are so that the selection and
        the scroll position stay. A short list is read again at once; in a long one the pages
        looked at last are read again in the background (their old rows stay on screen until
        then), the others dropped, and the count taken again."""
        if self._total is None or self._count is None or self._total <= SHORT_LIST:
            shown = self._rows_shown
            self.reload()
            while self._rows_shown < shown and self.canFetchMore(QModelIndex()):
                self.fetchMore(QModelIndex())
            return
        self._generation += 1
        self._tasks.clear()
        self._waiting.clear()
        recent = list(self._pages)[-REREAD_PAGES:]
        self._pages = OrderedDict((n, self._pages[n]) for n in recent)
        self._hot_page = -1
        for page_no in recent:
            self._read_later(page_no)
        self._start_count()

    def reload_at_least(self, rows: int) -> None:
        """Reload, fetching pages until `rows` rows are back (or there are no more)."""
        self.reload()
        while self._rows_shown < rows and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def row_at(self, row: int) -> WorkOrderRow:
        found = self._row(row)
        if found is None:
            found = self._read_page_now(row // self._page_size)
            if found is None:
                raise IndexError(f"row {row} is not loaded")
        return found

    def row_of(self, work_order_id: int) -> int:
        """The row showing this order among the pages held, or -1."""
        for page_no, rows in self._pages.items():
            for i, row in enumerate(rows):
                if row.id == work_order_id:
                    return page_no * self._page_size + i
        return -1

    def held_rows(self) -> int:
        return sum(len(rows) for rows in self._pages.values())

    @property
    def all_fetched(self) -> bool:
        return self._total is not None and self.held_rows() >= self._total

    @property
    def loading(self) -> bool:
        return bool(self._tasks) or bool(self._waiting) or self._count_task is not None

    # -- pages ----------------------------------------------------------------------------
    def _row(self, row: int) -> WorkOrderRow | None:
        page_no, offset = divmod(row, self._page_size)
        if page_no == self._hot_page:  # the page being painted: no lookups
            page = self._hot_rows
        else:
            found = self._pages.get(page_no)
            if found is None:
                self._request(page_no)
                found = self._pages.get(page_no)
                if found is None:
                    return None
            self._pages.move_to_end(page_no)
            self._hot_page, self._hot_rows = page_no, found
            page = found
        return page[offset] if offset < len(page) else None

    def _request(self, page_no: int) -> None:
        """Read a page the view needs: by keyset at once when a neighbour is held (or it is
        the last page), otherwise by offset in the background."""
        if self._total is None or page_no in self._tasks:
            return
        if self._read_page_now(page_no) is None:
            self._read_later(page_no)

    def _read_later(self, page_no: int) -> None:
        """Read a page by offset in the background; `_page_read` puts it in place. At most
        READS_AT_ONCE run; pages asked for meanwhile wait, the latest first (a user dragging
        the scroll bar wants where they stopped, not every page they passed)."""
        if len(self._tasks) >= READS_AT_ONCE:
            if page_no in self._waiting:
                self._waiting.remove(page_no)
            self._waiting.append(page_no)
            del self._waiting[:-WAITING_PAGES]
            return
        generation = self._generation
        offset = page_no * self._page_size
        filters, sort, descending, size = (self.filters, self.sort_key, self.descending,
                                           self._page_size)
        fetch = self._fetch_page

        def work(_progress: object) -> tuple[int, int, list[WorkOrderRow]]:
            return generation, page_no, fetch(filters, sort, descending, size, offset=offset)

        task = BackgroundTask(work)
        task.succeeded.connect(self._page_read)
        task.failed.connect(self._page_failed)
        self._tasks[page_no] = task
        task.start()

    def _read_page_now(self, page_no: int) -> WorkOrderRow | None:
        """Read `page_no` by keyset if that is quick; its first row, or None."""
        if self._total is None:
            return None
        size = self._page_size
        before = self._pages.get(page_no - 1)
        after = self._pages.get(page_no + 1)
        last_page = (self._total - 1) // size if self._total else 0
        page: list[WorkOrderRow] | None = None
        if before and len(before) == size:
            page = self._read(after=before[-1])
        elif after:
            page = self._read(before=after[0])
        elif page_no == last_page and self._total:
            page = self._read(from_end=True, limit=self._total - page_no * size)
        elif page_no == 0:
            page = self._read()
        if not page:
            return None
        self._keep(page_no, page)
        return page[0]

    def _read(self, limit: int | None = None, **where: Any) -> list[WorkOrderRow] | None:
        try:
            return self._fetch_page(self.filters, self.sort_key, self.descending,
                                    limit or self._page_size, **where)
        except KeepwellError as exc:
            log.warning("could not read work orders: %s", exc)
            return None

    def _keep(self, page_no: int, rows: list[WorkOrderRow]) -> None:
        self._hot_page = -1
        self._pages[page_no] = rows
        self._pages.move_to_end(page_no)
        # Without a count the rows are only reachable by growing from the top: keep them all.
        while self._count is not None and len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)

    def _page_read(self, result: tuple[int, int, list[WorkOrderRow]]) -> None:
        generation, page_no, rows = result
        if generation != self._generation:
            return  # read for a list that is no longer shown
        self._tasks.pop(page_no, None)
        self._keep(page_no, rows)
        first = page_no * self._page_size
        last = min(first + len(rows), self._rows_shown) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0),
                                  self.index(last, self.columnCount() - 1))
        self._read_waiting()

    def _read_waiting(self) -> None:
        while self._waiting and len(self._tasks) < READS_AT_ONCE:
            page_no = self._waiting.pop()
            if page_no not in self._pages and page_no not in self._tasks:
                self._read_later(page_no)

    def _page_failed(self, exc: object) -> None:
        log.warning("could not read a page of work orders: %s", exc)
        self._tasks.clear()
        self._waiting.clear()

    # -- the count ------------------------------------------------------------------------
    def _start_count(self) -> None:
        assert self._count is not None
        self._stop_count()
        generation = self._generation
        count, filters = self._count, self.filters

        def work(_progress: object) -> tuple[int, int]:
            return generation, count(filters)

        self._count_task = BackgroundTask(work)
        self._count_task.succeeded.connect(self._counted)
        self._count_task.failed.connect(self._count_failed)
        self._count_task.start()

    def _stop_count(self) -> None:
        if self._count_task is not None:
            self._count_task.cancel()
            self._count_task = None

    def _counted(self, result: tuple[int, int]) -> None:
        generation, total = result
        if generation != self._generation:
            return
        self._count_task = None
        self._total = total
        if total > self._rows_shown:
            self.beginInsertRows(QModelIndex(), self._rows_shown, total - 1)
            self._rows_shown = total
            self.endInsertRows()
        elif total < self._rows_shown:  # orders went away at another desk
            self.beginRemoveRows(QModelIndex(), total, self._rows_shown - 1)
            self._rows_shown = total
            self.endRemoveRows()
        self.counted.emit(total)

    def _count_failed(self, exc: object) -> None:
        self._count_task = None
        self.count_failed.emit(str(exc))
