"""A list screen's open forms: one per record, brought forward when asked for again, forgotten
when closed, all closed at once."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from ui.common.open_forms import OpenForms


class RecordForm(QDialog):
    """Stands in for an asset's or a schedule's form."""

    def __init__(self, record_id: int | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.record_id = record_id
        self.setWindowTitle(f"Record {record_id}")


class FormWithEdits(RecordForm):
    """A form whose user chooses Cancel when asked about unsaved edits."""

    def reject(self) -> None:
        pass


class Screen(QWidget):
    """The part of a list screen that opens forms; counts the forms it builds."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: OpenForms[int | None, RecordForm] = OpenForms(self)
        self.built: list[int | None] = []
        self.unreadable: set[int] = set()
        self.form_kind = RecordForm

    def open_record(self, record_id: int | None) -> RecordForm | None:
        return self.forms.open(record_id, self._form)

    def _form(self, record_id: int | None) -> RecordForm | None:
        if record_id in self.unreadable:
            return None  # a real screen says why in words
        self.built.append(record_id)
        return self.form_kind(record_id, self)


def _screen(qtbot) -> Screen:
    screen = Screen()
    qtbot.addWidget(screen)
    screen.show()
    return screen


def test_opening_an_open_record_brings_its_form_forward_instead_of_a_second(qtbot):
    screen = _screen(qtbot)
    pump = screen.open_record(7)
    assert pump is not None and pump.isVisible() and pump.record_id == 7
    motor = screen.open_record(8)
    assert motor is not None
    qtbot.waitUntil(motor.isActiveWindow)  # the pump's form is now behind the motor's

    assert screen.open_record(7) is pump
    qtbot.waitUntil(pump.isActiveWindow)
    assert screen.built == [7, 8] and screen.forms == {7: pump, 8: motor}

    pump.hide()  # e.g. minimised out of the way
    assert screen.open_record(7) is pump and pump.isVisible()
    assert screen.built == [7, 8]


def test_the_new_record_has_one_form_too(qtbot):
    screen = _screen(qtbot)
    new = screen.open_record(None)
    assert screen.open_record(None) is new
    assert screen.built == [None] and None in screen.forms and len(screen.forms) == 1


def test_a_closed_form_is_forgotten_so_the_record_opens_again(qtbot):
    screen = _screen(qtbot)
    first = screen.open_record(7)
    assert first is not None
    with qtbot.waitSignal(first.destroyed):  # closed forms do not pile up on the screen
        first.close()
    assert 7 not in screen.forms and not screen.forms

    again = screen.open_record(7)
    assert again is not None and again.isVisible()
    assert screen.built == [7, 7] and screen.forms[7] is again

    again.accept()  # saved and closed: forgotten as well
    assert screen.forms.get(7) is None


def test_a_record_that_cannot_be_read_opens_nothing(qtbot):
    screen = _screen(qtbot)
    screen.unreadable.add(9)
    assert screen.open_record(9) is None
    assert not screen.forms and screen.built == []


def test_closing_all_closes_every_form_and_forgets_them(qtbot):
    screen = _screen(qtbot)
    forms = [screen.open_record(key) for key in (7, 8, None)]
    assert screen.forms.close_all()
    assert not any(form is not None and form.isVisible() for form in forms)
    assert not screen.forms and list(screen.forms) == []


def test_a_form_that_stays_open_when_closing_all_is_still_known(qtbot):
    screen = _screen(qtbot)
    screen.form_kind = FormWithEdits
    kept = screen.open_record(7)
    screen.form_kind = RecordForm
    closed = screen.open_record(8)
    assert not screen.forms.close_all()  # the user chose Cancel on the first
    assert kept is not None and kept.isVisible() and screen.forms == {7: kept}
    assert closed is not None and not closed.isVisible()
