"""Start the application: show the window first, then open the database behind it.

Heavy modules (SQLAlchemy, Alembic, pydantic) load only after the window is on screen.
"""

from __future__ import annotations

import getpass
import os
import sys

from PySide6.QtCore import QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from annotator import __version__
from annotator.gui.main_window import MainWindow

ORGANISATION = "annotator"
APPLICATION = "annotator"


def configure_application(app: QApplication) -> None:
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)


def resolve_user(user: str | None, window: MainWindow) -> str | None:
    """``--user``, else the remembered name, else ask (defaulting to the login name)."""
    settings = QSettings()
    if user:
        settings.setValue("user", user)
        return user
    remembered = str(settings.value("user", "", type=str))
    if remembered:
        return remembered
    try:
        default = getpass.getuser()
    except OSError:
        default = ""
    name, ok = QInputDialog.getText(
        window, "annotator", "Your name, as it will appear in the annotations:", text=default
    )
    name = name.strip()
    if not ok or not name:
        return None
    settings.setValue("user", name)
    return name


def run_app(db_url: str | None, user: str | None, schema_path: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    configure_application(app)
    window = MainWindow()
    window.show()
    if os.environ.get("ANNOTATOR_EXIT_WHEN_SHOWN"):  # start-up benchmark: stop at first paint
        QTimer.singleShot(0, app.quit)
        return app.exec()

    def finish() -> None:
        from annotator.core.schema import SchemaError
        from annotator.formats.articles import ImportFileError
        from annotator.gui.workspace import Workspace
        from annotator.storage.store import DatabaseError, default_database_url

        name = resolve_user(user, window)
        if name is None:
            app.quit()
            return
        try:
            workspace = Workspace.open(db_url or default_database_url(), name, schema_path)
        except (SchemaError, DatabaseError, ImportFileError) as error:
            QMessageBox.critical(window, "annotator", str(error))
            app.exit(1)
            return
        window.attach(workspace)

    QTimer.singleShot(0, finish)
    status = app.exec()
    QThreadPool.globalInstance().waitForDone()
    return status
