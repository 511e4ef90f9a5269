"""Panels that are drawn one frame after the article text.

Tagging, undoing or opening an article changes the text's highlights and several panels at
once, and Qt draws everything that changed in one frame: the span table of a long article
alone costs as much to draw as the text. Holding the panels' drawing until the text has been
painted puts the highlight on screen first; the panels follow in the next frame. Their models
change at once: only their drawing waits. A click on a held panel, which shows rows from before
the change, is not taken for a click on the row now under it: the panel is drawn at once and
the click ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QPlainTextEdit

# If the text is not redrawn (the change did not touch what it shows, or the window is
# covered), the panels are drawn after this long anyway.
LATEST_MS = 50


class TextFirst(QObject):
    """Holds the drawing of ``panels`` until ``view`` has painted (see the module)."""

    def __init__(
        self, view: QPlainTextEdit, panels: Sequence[QAbstractScrollArea], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._panels = tuple(panels)
        for panel in self._panels:
            panel.viewport().installEventFilter(self)
        self._held = False
        self._until_released = False  # held until release(): paints and the timer do not end it
        self._latest = QTimer(self)
        self._latest.setSingleShot(True)
        self._latest.setInterval(LATEST_MS)
        self._latest.timeout.connect(self._fallback)

    @property
    def held(self) -> bool:
        return self._held

    def hold(self, *, until_released: bool = False) -> None:
        """Draw the panels after the text's next paint (nothing waits in a hidden window);
        with ``until_released``, only once ``release`` is called."""
        if not self._view.isVisible():
            return
        self._until_released |= until_released
        if self._held:
            return
        for panel in self._panels:
            panel.setUpdatesEnabled(False)
        self._held = True
        self._latest.start()

    def text_painted(self) -> None:
        """The view has painted: the panels are drawn in the next frame. (Released from
        within the view's paint, they would be drawn in this one.)"""
        if self._held and not self._until_released:
            QTimer.singleShot(0, self, self.release)

    def _fallback(self) -> None:
        view = self._view
        if self._until_released and view.isVisible() and not view.viewport().rect().isEmpty():
            self._latest.start()  # the text has not been painted yet: nothing is drawn
            return
        self.release()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._held and event.type() in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonDblClick,
        ):
            self.release()
            for panel in self._panels:
                panel.viewport().repaint()
            return True
        return False

    def release(self) -> None:
        self._until_released = False
        if not self._held:
            return
        self._held = False
        self._latest.stop()
        for panel in self._panels:
            panel.setUpdatesEnabled(True)
