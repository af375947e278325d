"""The global search box in the main window's tool bar: a work-order number, an asset tag or
words. A number typed or scanned in full, then Enter (a barcode scanner sends Enter), opens the
order at once; otherwise the hits drop down below the box, and Enter or a click opens one."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QWidget

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
        self.popup = QListWidget(self)
        self.popup.setObjectName("globalSearchHits")
        self.popup.setWindowFlags(Qt.WindowType.Popup)
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setFocusProxy(self)
        self.popup.setMouseTracking(True)
        self.popup.itemClicked.connect(self._item_chosen)
        self.popup.installEventFilter(self)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
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
        if self.popup.isVisible() and self.popup.currentRow() >= 0:
            self._open(self.hits[self.popup.currentRow()])
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
        self.popup.clear()
        for line in lines:
            item = QListWidgetItem(line)
            if not selectable:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.popup.addItem(item)
        if selectable:
            self.popup.setCurrentRow(0)
        rows = min(len(lines), 12)
        height = rows * max(self.popup.sizeHintForRow(0), 20) + 6
        self.popup.setFixedSize(max(self.width(), 520), height)
        self.popup.move(self.mapToGlobal(QPoint(0, self.height())))
        self.popup.show()

    def _item_chosen(self, item: QListWidgetItem) -> None:
        row = self.popup.row(item)
        if 0 <= row < len(self.hits):
            self._open(self.hits[row])

    def _open(self, hit: search.SearchHit) -> None:
        self._done()
        if hit.kind == "work_order":
            self.open_work_order.emit(hit.id)
        else:
            self.open_asset.emit(hit.id)

    def _done(self) -> None:
        self.popup.hide()
        self.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keys pressed while the popup is open: arrows move in it, the rest go to the box."""
        popup = self.__dict__.get("popup")  # Qt filters events before __init__ is done
        if popup is not None and watched is popup and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                return False
            if key == Qt.Key.Key_Escape:
                self.popup.hide()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.enter()
                return True
            self.event(event)
            return True
        return super().eventFilter(watched, event)
