"""The training plots' hover read-out: a dashed line at the pointer and, in a box beside it, the
nearest epoch's figures of every shown run, in the run's colour."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QPalette

from mnist_gui.panels.training.curves import pen
from mnist_gui.state.runs import RunRecord, short_name
from mnist_gui.widgets.sizing import text_scale

HOVER_RATE = 30  # hover read-outs per second at most
HOVER_POINTS = 9  # the read-out's text size before any zoom
HOVER_MIN_POINTS = 7  # ...and the smallest it is shrunk to, to fit a small plot
HOVER_GAP = 12  # pixels between the pointer and the read-out


class _LeaveWatcher(QObject):
    """Calls ``on_leave`` when the mouse leaves the widget it watches."""

    def __init__(self, on_leave, parent):
        super().__init__(parent)
        self._on_leave = on_leave

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Leave:
            self._on_leave()
        return False


class Hover:
    """Reads the values under the mouse: a dashed line at the pointer and, in a box beside it,
    the nearest epoch's figures of every visible run, one line per run in the run's colour."""

    def __init__(self, plots, widget: pg.PlotWidget, kind: str):
        """``plots`` gives the runs to read (``visible_runs()``); ``kind``: "loss" or "accuracy"."""
        self.plots, self.widget, self.kind = plots, widget, kind
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pen("#888888", 1, Qt.DashLine))
        self.label = pg.TextItem(anchor=(0, 0))
        self.label.setZValue(100)
        for item in (self.line, self.label):
            item.setVisible(False)
            widget.addItem(item, ignoreBounds=True)
        self.proxy = pg.SignalProxy(widget.scene().sigMouseMoved, rateLimit=HOVER_RATE,
                                    slot=self._moved)
        self._watcher = _LeaveWatcher(self.hide, widget)
        widget.installEventFilter(self._watcher)

    def hide(self):
        """Take the read-out away (the mouse left, the runs changed, or a picture is taken)."""
        self.line.setVisible(False)
        self.label.setVisible(False)

    def _moved(self, args):
        view = self.widget.getPlotItem().vb
        inside = view.sceneBoundingRect().contains(args[0])
        self.line.setVisible(inside)
        self.label.setVisible(inside)
        if not inside:
            return
        x = view.mapSceneToView(args[0]).x()
        palette = self.widget.palette()
        background = QColor(palette.color(QPalette.Base))
        background.setAlpha(225)
        self.label.fill = pg.mkBrush(background)
        self.label.border = pg.mkPen(palette.color(QPalette.Mid))
        self.line.setPos(x)
        area = view.sceneBoundingRect()
        pointer = args[0].x()
        # wrapped to the room on the wider side of the pointer, so the box goes beside it
        room = max(pointer - area.left(), area.right() - pointer) - HOVER_GAP
        self._fit_text(x, palette.color(QPalette.Text).name(), min(area.width(), max(room, area.width() / 2)),
                       area.height())
        self._place(view, pointer)

    def _fit_text(self, x: float, colour: str, width: float, height: float) -> None:
        """The zoomed text size if the box fits ``width`` x ``height`` pixels (the axes box); else
        smaller, down to a floor, and then one line per run (a small plot at presentation zoom)."""
        points = HOVER_POINTS * text_scale(self.widget)
        for compact in (False, True):
            while True:
                self._set_text(self.text(x, compact), points, colour, width)
                if self.label.textItem.boundingRect().height() <= height:
                    return
                if points <= HOVER_MIN_POINTS:
                    break
                points = max(HOVER_MIN_POINTS, points * 0.85)

    def _set_text(self, text: str, points: float, colour: str, width: float) -> None:
        """The read-out in ``points``-sized text, wrapped if wider than ``width`` pixels."""
        self.label.setTextWidth(-1)
        self.label.setHtml(f"<div style='color:{colour}; font-size:{points:.1f}pt'>{text}</div>")
        if self.label.textItem.boundingRect().width() > width:
            self.label.setTextWidth(width)

    def _place(self, view: pg.ViewBox, pointer: float) -> None:
        """Put the box beside the pointer at mid-height, right of it or, near the right edge, left
        of it, always inside the axes box (a narrow plot cut it off at its right edge); a box
        taller than the axes box (a tiny plot) starts at its top."""
        area = view.sceneBoundingRect()
        size = self.label.textItem.boundingRect().size()
        left = pointer + HOVER_GAP
        if left + size.width() > area.right():
            left = pointer - HOVER_GAP - size.width()
        left = max(area.left(), min(left, area.right() - size.width()))
        top = max(area.top(), min(area.center().y() - size.height() / 2, area.bottom() - size.height()))
        self.label.setAnchor((0, 0))
        self.label.setPos(view.mapSceneToView(QPointF(left, top)))

    def text(self, x: float, compact: bool = False) -> str:
        """'epoch 3' and, per visible run, its name and its figures ('train 0.123, val. 0.145')
        on the next line; ``compact``: both on one line, the name shortened ('Run 2')."""
        axis = self.plots.axis
        lines = [f"<b>{where(x, axis)}</b>"]
        for run in self.plots.visible_runs():
            part = describe_at(run, x, self.kind, axis)
            if part:
                name, gap = (short_name(run), " ") if compact else (run.name, "<br>&nbsp;&nbsp;")
                lines.append(f"<b style='color:{run.colour}'>{html.escape(name)}</b>{gap}{part}")
        return "<br>".join(lines)


def where(x: float, axis: str) -> str:
    """The read-out's heading: 'epoch 3', 'epoch 0.25', '12.5 s', '4,500 images'."""
    if axis == "seconds":
        return f"{max(x, 0.0):.1f} s"
    if axis == "images":
        return f"{max(round(x), 0):,} images"
    return f"epoch {max(1, round(x))}" if x >= 0.5 else f"epoch {x:.2f}"


def describe_at(run: RunRecord, x: float, kind: str, axis: str = "epochs") -> str:
    """The run's figures at the epoch nearest ``x`` (and the batch loss near ``x`` for loss);
    on a time ``axis``, at the time point nearest ``x``.

    Nothing past where the run got to: a 10-epoch run says nothing at epoch 50.
    """
    if axis != "epochs":
        return _describe_by_time(run, x, kind, axis)
    parts = []
    if kind == "loss" and len(run.smooth) and x <= run.smooth.x()[-1] + 0.5:
        i = min(int(np.searchsorted(run.smooth.x(), x)), len(run.smooth) - 1)
        parts.append(f"batch {run.smooth.y()[i]:.3f}")
    if run.epochs and round(x) <= len(run.epochs):
        e = run.epochs[max(round(x), 1) - 1]
        if kind == "loss":
            parts.append(f"train {e.train_loss:.3f}")
            if e.val_loss is not None:
                parts.append(f"val. {e.val_loss:.3f}")
        else:
            parts.append(f"train {100 * e.train_accuracy:.2f}")
            if e.val_accuracy is not None:
                parts.append(f"val. {100 * e.val_accuracy:.2f}")
    if kind == "accuracy" and run.test_accuracy is not None and round(x) <= len(run.epochs):
        parts.append(f"test {100 * run.test_accuracy:.2f}")
    if kind == "accuracy" and parts:
        parts[-1] += " %"
    return " · ".join(parts)


def _describe_by_time(run: RunRecord, x: float, kind: str, axis: str) -> str:
    """The batch loss there and the nearest time point's validation figure; the test accuracy
    near the end. Nothing past where the run got to."""
    if not run.points:
        return ""
    end = float(getattr(run.points[-1], axis))
    if x > end * 1.05 + (0.5 if axis == "seconds" else 0):
        return ""
    parts = []
    if kind == "loss" and len(run.smooth):
        at = run.epochs_at(x, axis)
        i = min(int(np.searchsorted(run.smooth.x(), at)), len(run.smooth) - 1)
        parts.append(f"batch {run.smooth.y()[i]:.3f}")
    name = "val_loss" if kind == "loss" else "val_accuracy"
    xs, values = run.point_series(name, axis)
    if len(xs):
        value = values[int(np.argmin(np.abs(xs - x)))]
        parts.append(f"val. {value:.3f}" if kind == "loss" else f"val. {100 * value:.2f}")
    if kind == "accuracy" and run.test_accuracy is not None and x >= 0.9 * end:
        parts.append(f"test {100 * run.test_accuracy:.2f}")
    if kind == "accuracy" and parts:
        parts[-1] += " %"
    return " · ".join(parts)
