"""Every GUI test gets its own QSettings and the modal-dialog helper."""

import pytest

from tests.qt_fixtures import answer_modal, isolated_qsettings  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _own_qsettings(isolated_qsettings) -> None:  # noqa: F811
    """Applies isolated_qsettings to every test in tests/ui."""
