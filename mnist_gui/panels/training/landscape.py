"""The loss landscape dialog: the loss around one or two trained networks as contours, with the path
training took (``engine.landscape``, computed by ``workers/landscape.py``; progress and Cancel from
``widgets.job_dialog``)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.classes import as_network_sees
from engine.landscape import DIRECTIONS, Landscape, LandscapeSettings
from mnist_gui.widgets.dialogs import fit_zoomed
from mnist_gui.widgets.job_dialog import DialogJob, JobDialog
from mnist_gui.widgets.plot_style import follow_palette
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.landscape import landscape_job

COLOUR_MAP = "viridis"   # perceptually uniform, readable by colour-blind viewers
CONTOURS = 12            # contour lines, evenly spaced in log10(loss)
PATH_COLOUR = "#f97316"
GRIDS = (11, 21, 31)
SAMPLES = (500, 1000, 2000)
MAX_RUNS = 2

INTRO = ("The loss of the network on a 2-D slice through its weights: the trained network is the "
         "centre (0, 0); each point moves every weight along two directions (Li et al., 2018). "
         "Dark is low loss. A wide dark valley is a flat minimum, a narrow one a sharp minimum. "
         "The orange line is the path training took (from ● the first step to ■ the end).")


class LandscapePlot(pg.PlotWidget):
    """One run's landscape: log10 of the loss as colours and contours, and the path on it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("landscapePlot")
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get(COLOUR_MAP))
        self.addItem(self.image)
        self.contours: list[pg.IsocurveItem] = []
        self.path = self.plot(pen=pg.mkPen(PATH_COLOUR, width=3), symbol="o", symbolSize=5,
                              symbolBrush=PATH_COLOUR, symbolPen=None)
        self.start = self.plot(symbol="o", symbolSize=14, symbolBrush=PATH_COLOUR, pen=None)
        self.end = self.plot(symbol="s", symbolSize=14, symbolBrush=PATH_COLOUR, pen=None)
        self.landscape: Landscape | None = None
        self.getPlotItem().setAspectLocked(True)
        self.getPlotItem().showGrid(x=False, y=False)
        follow_palette(self, self.palette())

    def show_landscape(self, name: str, landscape: Landscape, levels: tuple[float, float]) -> None:
        """Draw ``landscape`` (its grid, contours and path) with the shared colour ``levels`` (log10)."""
        self.landscape = landscape
        surface = landscape.surface
        values = _log_loss(surface.loss, levels[1])
        self.image.setImage(values.T, levels=levels)  # ImageItem's first axis is x (alpha)
        a, b = surface.alphas, surface.betas
        da, db = (a[1] - a[0]), (b[1] - b[0])
        self.image.setRect(QRectF(a[0] - da / 2, b[0] - db / 2, da * len(a), db * len(b)))
        for curve in self.contours:
            self.removeItem(curve)
        self.contours = []
        for level in np.linspace(levels[0], levels[1], CONTOURS + 2)[1:-1]:
            curve = pg.IsocurveItem(values.T, level=float(level), pen=pg.mkPen("#ffffff", width=1))
            curve.setParentItem(self.image)  # in the image's pixel coordinates, like the image
            self.contours.append(curve)
        self._show_path(landscape.path)
        item = self.getPlotItem()
        item.setTitle(name)
        names = _axis_names(landscape)
        item.setLabel("bottom", names[0])
        item.setLabel("left", names[1])
        item.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)
        follow_palette(self, self.palette())

    def _show_path(self, path: np.ndarray | None) -> None:
        if path is None or not len(path):
            for curve in (self.path, self.start, self.end):
                curve.setData([], [])
            return
        self.path.setData(path[:, 0], path[:, 1])
        self.start.setData(path[:1, 0], path[:1, 1])
        self.end.setData(path[-1:, 0], path[-1:, 1])

    def value_at(self, x: float, y: float) -> tuple[float, float, float, float] | None:
        """(alpha, beta, loss, accuracy) at the grid point nearest (x, y), None off the grid."""
        if self.landscape is None:
            return None
        s = self.landscape.surface
        if not (s.alphas[0] <= x <= s.alphas[-1] and s.betas[0] <= y <= s.betas[-1]):
            return None
        i, j = int(np.abs(s.alphas - x).argmin()), int(np.abs(s.betas - y).argmin())
        return float(s.alphas[i]), float(s.betas[j]), float(s.loss[j, i]), float(s.accuracy[j, i])


def _log_loss(loss: np.ndarray, high: float) -> np.ndarray:
    """log10 of the loss; infinite or NaN (a blown-up network) shown as the highest level."""
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.log10(np.maximum(loss, 1e-12))
    return np.where(np.isfinite(values), values, high)


def _axis_names(landscape: Landscape) -> tuple[str, str]:
    if landscape.explained is not None:
        e = landscape.explained
        return (f"1st direction of the path ({e[0]:.0%} of it)", f"2nd direction ({e[1]:.0%})")
    return ("random direction 1 (filter-normalised)", "random direction 2")


def shared_levels(landscapes: list[Landscape]) -> tuple[float, float]:
    """One colour scale for all: log10 of the lowest and the highest finite loss of any of them."""
    finite = np.concatenate([lnd.surface.loss[np.isfinite(lnd.surface.loss)].ravel() for lnd in landscapes])
    if not finite.size:
        return 0.0, 1.0
    low, high = np.log10(max(float(finite.min()), 1e-12)), np.log10(max(float(finite.max()), 1e-12))
    return (low, high) if high > low else (low, low + 1.0)


class LandscapeDialog(JobDialog):
    """The settings, Compute and Cancel, a progress bar and one plot per run (at most two).

    ``compute_requested(settings)`` asks for the computation; ``cancel_requested`` to stop it.
    """

    compute_requested = Signal(object)
    RUNNING = "Computing the loss on the grid…"

    def __init__(self, parent: QWidget | None = None):
        super().__init__("landscape", parent)
        self.setObjectName("landscapeDialog")
        self.setWindowTitle("Loss landscape")
        self.intro = WrappedLabel(INTRO, objectName="landscapeIntro")
        self.directions = QComboBox(objectName="landscapeDirections")
        for key, text in DIRECTIONS.items():
            self.directions.addItem(text, key)
        self.directions.setToolTip("Random directions show the shape of the minimum (compare two "
                                   "runs with the same seed); the path's own directions show where "
                                   "training went")
        self.grid = _choice("landscapeGrid", GRIDS, 1, "Points per side of the grid: more is finer "
                            "and slower (21 x 21 = 441 evaluations of the network)")
        self.samples = _choice("landscapeImages", SAMPLES, 1, "Test images the loss is measured on "
                               "(the same class-balanced sample for every point and every run)")
        self.span = QDoubleSpinBox(objectName="landscapeSpan", minimum=0.0, maximum=100.0,
                                   singleStep=0.25, decimals=2, value=0.0)
        self.span.setSpecialValueText("automatic")
        self.span.setToolTip("How far the grid reaches from the trained network, in units of each "
                             "filter's own size; automatic: 1, or the whole path for its directions")
        form = QFormLayout()
        form.addRow("Directions", self.directions)
        form.addRow("Grid", self.grid)
        form.addRow("Test images", self.samples)
        form.addRow("Reach", self.span)
        self.compute_button = QPushButton("Compute", objectName="landscapeCompute", default=True)
        self.compute_button.setToolTip("Compute the landscape of the runs named above (off the "
                                       "window's thread; the runs' networks are not changed)")
        self.compute_button.clicked.connect(self._on_compute)
        self.readout = QLabel(objectName="landscapeReadout")
        self.readout.setToolTip("The loss and accuracy at the point under the mouse")
        self.plots_row = QHBoxLayout()
        self.plots: list[LandscapePlot] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addLayout(self.plots_row, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.text)
        layout.addLayout(self.button_row(self.compute_button))
        self.resize(980, 640)
        self._has_path = True

    def set_subjects(self, names: list[str], paths: list[int]) -> None:
        """The runs the landscape is for, and how many path points each has; path directions need
        at least 3 points for every run."""
        self._has_path = all(n >= 3 for n in paths)
        item = self.directions.model().item(self.directions.findData("path"))
        item.setEnabled(self._has_path)
        if not self._has_path:
            self.directions.setCurrentIndex(self.directions.findData("random"))
        runs = " and ".join(names)
        missing = "" if self._has_path else (" (a run without a recorded path, e.g. from an older "
                                              "session, has random directions only)")
        self.text.setText(f"For {runs}{missing}. Press Compute.")

    def settings(self) -> LandscapeSettings:
        span = self.span.value() or None
        return LandscapeSettings(self.directions.currentData(), span, self.grid.currentData(),
                                 self.samples.currentData())

    def _on_compute(self) -> None:
        self.compute_requested.emit(self.settings())

    def set_running(self, running: bool, text: str = "") -> None:
        super().set_running(running, text)
        self.compute_button.setEnabled(not running)

    def show_progress(self, done: int, total: int, text: str = "") -> None:
        super().show_progress(done, total, f"Computing the landscape of {text}: row {done} of {total}…")

    def show_result(self, results: list[tuple[str, Landscape]]) -> None:
        self.set_running(False)
        while len(self.plots) < len(results):
            plot = LandscapePlot(self)
            plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
            self.plots_row.addWidget(plot, 1)
            self.plots.append(plot)
        for plot in self.plots[len(results):]:
            plot.setVisible(False)
        levels = shared_levels([lnd for _, lnd in results])
        for plot, (name, landscape) in zip(self.plots, results):
            plot.setVisible(True)
            plot.show_landscape(name, landscape, levels)
            fit_zoomed(self, plot)  # made (and titled) after the dialog was zoomed
        low, high = (10 ** v for v in levels)
        self.text.setText(f"{_summary(results)} Colours: the loss from {low:.3g} (dark) to "
                          f"{high:.3g} (yellow), the same scale for every plot; a contour line at "
                          "every step of the same ratio. Hover to read a point.")

    def failure_text(self, message: str) -> str:
        return f"The landscape could not be computed: {message}"

    def _on_mouse_moved(self, position) -> None:
        for plot in self.plots:
            if plot.isVisible() and plot.sceneBoundingRect().contains(position):
                point = plot.getPlotItem().vb.mapSceneToView(position)
                value = plot.value_at(point.x(), point.y())
                if value is not None:
                    a, b, loss, accuracy = value
                    self.readout.setText(f"at ({a:.2f}, {b:.2f}): loss {loss:.3g}, "
                                         f"accuracy {accuracy:.1%}")
                return


def _choice(name: str, values: tuple[int, ...], current: int, tooltip: str) -> QComboBox:
    box = QComboBox(objectName=name)
    for v in values:
        box.addItem(f"{v:,}", v)
    box.setCurrentIndex(current)
    box.setToolTip(tooltip)
    return box


def _summary(results: list[tuple[str, Landscape]]) -> str:
    """What to read in the plots: each run's loss at its centre and how wide its valley is."""
    parts = []
    for name, landscape in results:
        s = landscape.surface
        centre = s.at_origin()
        low = np.isfinite(s.loss) & (s.loss <= 2 * centre)
        parts.append(f"{name}: loss {centre:.3g} at the centre; {low.mean():.0%} of the slice is "
                     "within twice that")
    return ". ".join(parts) + "."


class LossLandscape(DialogJob):
    """Runs the landscape job and shows it in the dialog (made when first used)."""

    def __init__(self, parent: QWidget):
        super().__init__(parent, "landscape", self._make_landscape_dialog)
        self._subjects: list = []

    def _make_landscape_dialog(self, parent: QWidget) -> LandscapeDialog:
        dialog = LandscapeDialog(parent)
        dialog.compute_requested.connect(self.compute)
        return dialog

    def open(self, runs, dataset) -> None:
        """Show the dialog for up to two ended ``runs`` (RunRecords with a network) on ``dataset``'s
        test images; nothing is computed until Compute."""
        runs = [r for r in runs if r.network is not None][:MAX_RUNS]
        self._subjects = []
        for r in runs:
            seen = as_network_sees(dataset, r.network.spec)  # a 3-vs-7 network: those test images
            self._subjects.append((r.name, r.network, tuple(getattr(r, "snapshots", ())),
                                   seen.test_images, seen.test_labels))
        dialog = self.made_dialog()
        if isinstance(dialog, LandscapeDialog):
            dialog.set_subjects([s[0] for s in self._subjects], [len(s[2]) for s in self._subjects])
        self.shown_dialog()

    def compute(self, settings: LandscapeSettings) -> None:
        if not self._subjects or self.dialog is None:
            return
        self.run(landscape_job(self._subjects, settings), LandscapeDialog.RUNNING)
