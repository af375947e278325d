"""Every GUI test gets its own QSettings, the modal-dialog helper, its main windows closed
(workers stopped) and deleted by Qt when it ends."""

import pytest

from tests.qt_fixtures import (  # noqa: F401  (fixtures)
    answer_modal,
    isolated_qsettings,
    main_windows_closed,
)


@pytest.fixture(autouse=True)
def _own_qsettings(isolated_qsettings) -> None:  # noqa: F811
    """Applies isolated_qsettings to every test in tests/ui."""


@pytest.fixture(autouse=True)
def _windows_closed(main_windows_closed) -> None:  # noqa: F811
    """Applies main_windows_closed to every test in tests/ui."""

