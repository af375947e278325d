"""The edit forms a list screen has open: one per record, so asking for a record whose form is
open brings that form forward instead of opening a second copy that would save over the first.

A screen holds one `OpenForms` as `forms` and reads it like a dict of forms by record id
(`None` is the new record's form). Closing a form, by any of its buttons, forgets it, so the
record can be opened again."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QWidget

K = TypeVar("K", bound=Hashable)
F = TypeVar("F", bound=QDialog)


class OpenForms(QObject, Generic[K, F]):
    """The screen's open forms by record id; a child of the screen, so it goes with it."""

    def __init__(self, screen: QWidget) -> None:
        super().__init__(screen)
        self._forms: dict[K, F] = {}

    def open(self, key: K, make: Callable[[K], F | None]) -> F | None:
        """Bring the form open for `key` to the front, or show the one `make(key)` builds.
        None, and nothing opened, when `make` could not build one (it says why itself)."""
        form = self._forms.get(key)
        if form is None:
            form = make(key)
            if form is None:
                return None
            self._forms[key] = form
            form.finished.connect(self._forget)
        form.show()
        form.raise_()
        form.activateWindow()
        return form

    def close_all(self) -> bool:
        """Close every open form as its title bar's close button would; False when one stays
        open (a form with unsaved edits asks first, and its user may choose Cancel)."""
        # A list, not a generator: every form is asked, also after one has stayed open.
        return all([form.close() for form in list(self._forms.values())])

    def _forget(self, _result: int) -> None:
        closed = self.sender()
        for key, form in list(self._forms.items()):
            if form is closed:
                del self._forms[key]
                form.deleteLater()

    # -- read like a dict (the screens' tests and refresh_for do) -------------------------
    def get(self, key: K) -> F | None:
        return self._forms.get(key)

    def values(self) -> list[F]:
        return list(self._forms.values())

    def __getitem__(self, key: K) -> F:
        return self._forms[key]

    def __contains__(self, key: object) -> bool:
        return key in self._forms

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._forms))

    def __len__(self) -> int:
        return len(self._forms)

    def __eq__(self, other: object) -> bool:
        return self._forms == (other._forms if isinstance(other, OpenForms) else other)

    # Equal contents need not make one object: Qt and dict keys still tell them apart by
    # identity, as they do every other QObject.
    __hash__ = QObject.__hash__
