"""The global search box in the main window's tool bar: a work-order number, an asset tag or
words. A number typed or scanned in full, then Enter (a barcode scanner sends Enter), opens the
order at once; otherwise the hits drop down below the box, and Enter or a click opens one."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from app.errors import KeepwellError
from app.permissions import Actor
from app.services import search

SEARCH_DELAY_MS = 250
KIND_LABELS = {"work_order": "Work order", "asset": "Asset"}


class GlobalSearch(QLineEdit):
    open_work_order = Signal(int)
    open_asset = Signal(int)

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.setObjectName("globalSearch")
        self.setPlaceholderText("Find an order number, asset tag or words  (Ctrl+K)")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(340)
        self.hits: list[search.SearchHit] = []
        self.results = QStandardItemModel(self)
        self.completer_ = QCompleter(self.results, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setMaxVisibleItems(12)
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._chosen)
        self.popup = self.completer_.popup()
        self.popup.setObjectName("globalSearchHits")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.find)
        self.textEdited.connect(self._typed)
        self.returnPressed.connect(self.enter)

    # -- what the user does -----------------------------------------------------------------
    def enter(self) -> None:
        """Enter: an exact order number opens the order; otherwise the first hit opens."""
        self._timer.stop()
        text = self.text().strip()
        if not text:
            return
        try:
            exact = search.exact_work_order(self.actor, text)
        except KeepwellError:
            exact = None
        if exact is not None:
            self._done()
            self.open_work_order.emit(exact)
            return
        if self.popup.isVisible() and self.hits:
            row = max(self.popup.currentIndex().row(), 0)
            self._open(self.hits[row])
            return
        self.find()

    def find(self) -> None:
        """Look the text up and show the hits below the box."""
        text = self.text().strip()
        if not text:
            self.popup.hide()
            return
        try:
            self.hits = search.global_search(self.actor, text)
        except KeepwellError as exc:
            self.hits = []
            self._show([str(exc)])
            return
        if not self.hits:
            self._show([f"Nothing found for “{text}”"])
            return
        self._show([f"{KIND_LABELS[h.kind]}  {h.label}   {h.text}   ·  {h.detail}"
                    for h in self.hits], selectable=True)

    # -- internals ------------------------------------------------------------------------
    def _typed(self, _text: str) -> None:
        self._timer.start()

    def _show(self, lines: list[str], selectable: bool = False) -> None:
        self.results.clear()
        for line in lines:
            item = QStandardItem(line)
            item.setEditable(False)
            if not selectable:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.appendRow(item)
        self.completer_.complete(QRect(0, 0, max(self.width(), 520), self.height()))
        if selectable:
            self.popup.setCurrentIndex(self.results.index(0, 0))

    def _chosen(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.hits):
            self._open(self.hits[index.row()])

    def _open(self, hit: search.SearchHit) -> None:
        self._done()
        if hit.kind == "work_order":
            self.open_work_order.emit(hit.id)
        else:
            self.open_asset.emit(hit.id)

    def _done(self) -> None:
        self.popup.hide()
        self.hits = []
        self.clear()
