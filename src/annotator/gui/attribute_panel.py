"""Details of the selected span: its attributes as controls, and its links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from annotator.core.models import Span
    from annotator.core.schema import Attribute, Label
    from annotator.gui.document import Link


def describe_link(link: Link) -> str:
    text = " ".join(link.other.text.split())
    text = text if len(text) <= 40 else text[:39] + "…"
    arrow = "→" if link.outgoing else "←"
    derived = " (from quote)" if link.relation.origin == "derived" else ""
    return f"{link.relation.label} {arrow} {link.other.label} “{text}”{derived}"


class AttributePanel(QWidget):
    attributeChosen = Signal(str, str)  # attribute name, value
    unlinkRequested = Signal(str)  # relation id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attributePanel")
        self.heading = QLabel("No span selected", self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self._form_host = QWidget(self)
        self._form = QFormLayout(self._form_host)
        self._form.setContentsMargins(0, 0, 0, 0)
        self.combos: dict[str, QComboBox] = {}
        self._attributes: tuple[Attribute, ...] = ()  # what the combos are for
        self.links = QListWidget(self)
        self.links.setObjectName("linkList")
        self.unlink = QPushButton("Remove link", self)
        self.unlink.setEnabled(False)
        self.unlink.clicked.connect(self._unlink_current)
        self.links.currentItemChanged.connect(
            lambda item, _previous: self.unlink.setEnabled(
                item is not None and item.data(Qt.ItemDataRole.UserRole) is not None
            )
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(self._form_host)
        layout.addWidget(QLabel("Links:", self))
        layout.addWidget(self.links, 1)
        layout.addWidget(self.unlink)

    def show_span(self, span: Span | None, label: Label | None, links: list[Link]) -> None:
        attributes = label.attributes if span is not None and label is not None else ()
        if attributes != self._attributes:
            self._build_form(attributes)
        if self.links.count():  # clearing an empty list would still redraw it
            self.links.clear()
        self.unlink.setEnabled(False)
        if span is None or label is None:
            self.heading.setText("No span selected")
            return
        text = " ".join(span.text.split())
        self.heading.setText(f"{span.label}: “{text if len(text) <= 80 else text[:79] + '…'}”")
        # Values are updated in place: a combo that has just saved its value is still
        # handling the key or click that chose it, and must not be deleted under it.
        for attribute in attributes:
            combo = self.combos[attribute.name]
            value = str(span.attrs.get(attribute.name, attribute.default))
            with QSignalBlocker(combo):
                # A value the schema does not list (an import's, an older schema's) is shown
                # as it is, as an extra last item, for as long as this span is selected.
                if combo.count() > len(attribute.values):
                    combo.removeItem(combo.count() - 1)
                if combo.findText(value) < 0:
                    combo.addItem(value)
                combo.setCurrentIndex(combo.findText(value))
        for link in links:
            item = QListWidgetItem(describe_link(link), self.links)
            if link.relation.origin != "derived":
                item.setData(Qt.ItemDataRole.UserRole, link.relation.id)

    def _build_form(self, attributes: tuple[Attribute, ...]) -> None:
        """One combo per attribute of the selected span's label."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self.combos = {}
        self._attributes = attributes
        for attribute in attributes:
            combo = QComboBox(self._form_host)
            combo.setObjectName(f"attr_{attribute.name}")
            combo.addItems(list(attribute.values))
            combo.setToolTip(attribute.description)
            combo.currentTextChanged.connect(
                lambda value, name=attribute.name: self.attributeChosen.emit(name, value)
            )
            self._form.addRow(attribute.name, combo)
            self.combos[attribute.name] = combo

    def _unlink_current(self) -> None:
        item = self.links.currentItem()
        if item is not None and (relation_id := item.data(Qt.ItemDataRole.UserRole)):
            self.unlinkRequested.emit(relation_id)
