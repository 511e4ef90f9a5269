"""Every item model passes pytest-qt's model tester, empty and filled, through changes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from conftest import WindowFactory


def test_span_table_model(
    qtmodeltester: ModelTester, qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    model = window.span_model
    qtmodeltester.check(model)
    text = window.editor.document.text
    for word in ("Ukraina", "Bakhmut", "Rusia"):
        start = text.index(word)
        window.article_view.select_range(start, start + len(word))
        qtbot.keyClick(window.article_view, Qt.Key.Key_G)
    qtmodeltester.check(model)
    shown = [model.index(row, 1).data() for row in range(model.rowCount())]
    assert shown == sorted(("Ukraina", "Bakhmut", "Rusia"), key=text.index)
    qtbot.keyClick(window.article_view, Qt.Key.Key_Delete)
    qtmodeltester.check(model)
    assert model.rowCount() == 2


def test_article_list_models(qtmodeltester: ModelTester, make_window: WindowFactory) -> None:
    window = make_window()
    qtmodeltester.check(window.articles.model)
    qtmodeltester.check(window.articles.proxy)
    window.articles.filter.setText("pekalongan")
    qtmodeltester.check(window.articles.proxy)
    assert window.articles.proxy.rowCount() == 2  # the match, and the open article


def test_span_table_draws_what_its_data_says(qtbot: QtBot, make_window: WindowFactory) -> None:
    """A delegate reads each cell through ``multiData``, all roles at once; it must give what
    ``data`` gives role by role."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    window = make_window()
    model = window.span_model
    text = window.editor.document.text
    start = text.index("Bakhmut")
    window.article_view.select_range(start, start + len("Bakhmut"))
    qtbot.keyClick(window.article_view, Qt.Key.Key_G)
    assert model.rowCount() >= 1
    delegate = QStyledItemDelegate()
    for column in range(model.columnCount()):
        index = model.index(0, column)
        option = QStyleOptionViewItem()
        delegate.initStyleOption(option, index)
        assert option.text == str(index.data())
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        if background is not None:
            assert option.backgroundBrush.color() == QColor(background)
        alignment = index.data(Qt.ItemDataRole.TextAlignmentRole)
        if alignment is not None:
            assert int(option.displayAlignment.value) == alignment
