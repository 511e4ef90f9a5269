"""Panels that are drawn one frame after the article text.

Tagging, undoing or opening an article changes the text's highlights and several panels at
once, and Qt draws everything that changed in one frame: the span table of a long article
alone costs as much to draw as the text. Holding the panels' drawing until the text has been
painted puts the highlight on screen first; the panels follow in the next frame. Their models
change at once: only their drawing waits.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QPlainTextEdit, QWidget

# If the text is not redrawn (the change did not touch what it shows, or the window is
# covered), the panels are drawn after this long anyway.
LATEST_MS = 50


class TextFirst(QObject):
    """Holds the drawing of ``panels`` until ``view`` has painted (see the module)."""

    def __init__(self, view: QPlainTextEdit, panels: Sequence[QWidget], parent: QObject) -> None:
        super().__init__(parent)
        self._view = view
        self._panels = tuple(panels)
        self._held = False
        self._latest = QTimer(self)
        self._latest.setSingleShot(True)
        self._latest.setInterval(LATEST_MS)
        self._latest.timeout.connect(self.release)

    @property
    def held(self) -> bool:
        return self._held

    def hold(self) -> None:
        """Draw the panels after the text's next paint (nothing waits in a hidden window)."""
        if self._held or not self._view.isVisible():
            return
        for panel in self._panels:
            panel.setUpdatesEnabled(False)
        self._held = True
        self._latest.start()

    def text_painted(self) -> None:
        """The view has painted: the panels are drawn in the next frame. (Released from
        within the view's paint, they would be drawn in this one.)"""
        if self._held:
            QTimer.singleShot(0, self, self.release)

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        self._latest.stop()
        for panel in self._panels:
            panel.setUpdatesEnabled(True)
