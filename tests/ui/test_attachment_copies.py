"""Attachment copies opened for viewing (issue 11, "Files"): written into a private temporary
folder (0700) as a file only the user can read (0600), whatever the umask, under the stored name
cleaned so that a row edited by hand ('../../x', an absolute path, NUL, a right-to-left
override) cannot write outside that folder. The work-order form, on a real offscreen window, and
the request screen's opener.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl

from app import db as dbmod
from app import paths
from app.models import Attachment
from app.services.work_orders import activity
from tests.ui import test_work_order_form as form_tests
from tests.ui.test_work_order_form_work import started_order
from ui.requests import detail as request_detail
from ui.work_orders import tabs

plant, people, open_form = form_tests.plant, form_tests.people, form_tests.open_form

PHOTO = b"\xff\xd8\xff\xe0 a tiny jpeg" * 100


@pytest.fixture(params=[0o022, 0o000], ids=lambda m: f"umask-{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """What the desktop was asked to open (no viewer starts in a test)."""
    urls: list[Path] = []

    class Desktop:
        @staticmethod
        def openUrl(url: QUrl) -> bool:  # noqa: N802 (Qt's name)
            urls.append(Path(url.toLocalFile()))
            return True

    monkeypatch.setattr(tabs, "QDesktopServices", Desktop)
    monkeypatch.setattr(request_detail, "QDesktopServices", Desktop)
    return urls


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("stored", "written"), [
    ("seal photo.jpg", "seal photo.jpg"),
    ("../../x", "x"),
    ("/etc/cron.d/keepwell", "keepwell"),
    ("..\\..\\Windows\\evil.jpg", "evil.jpg"),
    ("..", "attachment"),
])
def test_the_work_order_form_opens_a_private_copy_inside_its_folder(
        umask, qtbot, plant, people, open_form, opened, stored, written) -> None:
    wo = started_order(people)
    row = activity.add_attachment(people["tess"], wo.id, "seal photo.jpg", PHOTO, "image/jpeg")
    # Edited by hand in the database, past the service's checks.
    dbmod.database.execute_sql(f"UPDATE {Attachment._meta.table_name} SET filename = ? "
                               "WHERE id = ?", (stored, row.id))
    form = open_form(people["tess"], wo.id)
    form.attachments.table.selectRow(0)
    form.attachments.open_button.click()
    assert len(opened) == 1
    path = opened[0]
    assert path.name == written
    assert path.read_bytes() == PHOTO
    folder = path.parent
    assert folder.name.startswith("keepwell-")
    assert folder.parent == Path(tempfile.gettempdir())
    assert path.resolve().parent == folder.resolve()  # not outside its folder
    assert sorted(p.name for p in folder.iterdir()) == [written]
    assert (oct(mode(path)), oct(mode(folder))) == ("0o600", "0o700")
    path.unlink()
    folder.rmdir()


def test_the_request_screens_opener_writes_private_copies_inside_its_folder(
        umask, qtbot, opened) -> None:
    opener = request_detail.AttachmentOpener()
    root = Path(opener._folder.path())
    for attachment_id, stored, written in [(1, "../../x", "x"), (2, "/etc/passwd", "passwd"),
                                           (3, "a\x00b.txt", "a_b.txt"),
                                           (4, "photo\u202egpj.exe", "photo_gpj.exe"),
                                           (1, "../../x", "x")]:  # opened again: replaced
        path = opener.open(attachment_id, stored, PHOTO)
        assert path == root / str(attachment_id) / written and path.read_bytes() == PHOTO
        assert (oct(mode(path)), oct(mode(path.parent))) == ("0o600", "0o700")
    assert oct(mode(root)) == "0o700"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == [
        "1/x", "2/passwd", "3/a_b.txt", "4/photo_gpj.exe"]
    assert opened == [root / "1" / "x", root / "2" / "passwd", root / "3" / "a_b.txt",
                      root / "4" / "photo_gpj.exe", root / "1" / "x"]


@pytest.mark.parametrize(("stored", "cleaned"), [
    ("report.pdf", "report.pdf"),
    ("rapport d'été.pdf", "rapport d'été.pdf"),
    ("תמונה.jpg", "תמונה.jpg"),  # right-to-left text is kept
    ("../../x", "x"),
    ("/abs/path/to/file.png", "file.png"),
    ("C:\\Users\\x\\file.png", "file.png"),
    ("C:file.png", "C_file.png"),
    ("", "attachment"),
    ("..", "attachment"),
    ("...", "attachment"),
    ("/", "attachment"),
    ("\x00", "attachment"),
    ("a\x00b", "a_b"),
    ("line\nbreak.txt", "line_break.txt"),
    ("CON.txt", "_CON.txt"),
    (" spaced name. ", "spaced name"),
    ("x" * 300 + ".jpeg", "x" * 115 + ".jpeg"),
])
def test_a_stored_name_is_cleaned_to_a_name_inside_the_folder(stored: str, cleaned: str) -> None:
    assert paths.safe_file_name(stored) == cleaned
    assert request_detail.safe_filename(stored) == cleaned
