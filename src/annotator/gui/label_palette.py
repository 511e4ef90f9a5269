"""One button per label, in schema order, showing its colour and key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import QToolButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from annotator.core.schema import LabelSchema


def swatch(color: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class LabelPalette(QWidget):
    """Label buttons; each triggers an action whose shortcut is the label's key."""

    labelChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelPalette")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.setSpacing(3)
        self._layout.addStretch(1)
        self.actions_by_label: dict[str, QAction] = {}

    def set_schema(self, schema: LabelSchema) -> list[QAction]:
        """Build the buttons; returns the actions for the window to register their shortcuts."""
        for index, label in enumerate(schema.labels):
            action = QAction(swatch(label.color), f"{label.name}", self)
            action.setShortcut(QKeySequence(label.key))
            action.setToolTip(f"{label.name} ({label.key}): {label.description}")
            action.setStatusTip(label.description)
            action.triggered.connect(lambda _=False, name=label.name: self.labelChosen.emit(name))
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setObjectName(f"label_{label.name}")
            button.setText(f"{label.name}   [{label.key}]")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(
                button.sizePolicy().horizontalPolicy().Expanding,
                button.sizePolicy().verticalPolicy(),
            )
            button.setStyleSheet(
                f"QToolButton {{ text-align: left; padding: 3px 6px; "
                f"border-left: 5px solid {label.color}; }}"
            )
            self._layout.insertWidget(index, button)
            self.actions_by_label[label.name] = action
        return list(self.actions_by_label.values())
