"""How long F5 (presentation mode) takes to redraw the window, before and after zoom.py's changes.

Builds the real main window (1280x720, offscreen) on ``MNIST_DATA_DIR``, shows every panel once
(so each has its widgets), then in each round toggles the zoom between 1 and 1.6 with the old way
(every widget's font set, parents first, the window painting as it goes) and with ``apply_zoom``
(only fonts not yet at the zoom, children first, the window's updates off until the end),
alternating which goes first. A toggle is timed from the call to the end of the layout and
paint events it causes (``processEvents`` and a ``grab`` of the window) in CPU seconds of this
process (the GUI thread does it all; steadier than wall time on a shared machine), and a panel
switch at zoom 1.6 (which applies the zoom again, for new widgets) likewise.

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_zoom.py [--rounds 7]

Medians over the rounds, with the spread; the machine is shared, so compare the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def old_apply_zoom(root, zoom: float) -> None:
    """apply_zoom as it was before: every font, parents first, painting as it goes."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QWidget

    from mnist_gui.widgets import zoom as zoom_module
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if widget.property(zoom_module.BASE_SIZE) is None:
            base = zoom_module._unzoomed_size(widget)
            if base is not None:
                widget.setProperty(zoom_module.BASE_SIZE, base)
    for widget in widgets:
        zoom_module._scale_font(widget, zoom)
        if isinstance(widget, pg.PlotWidget):
            zoom_module.zoom_plot(widget, zoom)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    from mnist_gui.qt_fixes import apply
    apply()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from mnist_gui.main_window import MainWindow
    from mnist_gui.widgets.zoom import apply_zoom
    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(data_dir=os.environ.get("MNIST_DATA_DIR"), settings=settings, download_if_missing=False)
    window.resize(1280, 720)
    window.show()
    deadline = time.monotonic() + 60
    while window.dataset is None and time.monotonic() < deadline:
        app.processEvents()
    for key in window.navigator.keys():  # noqa: SIM118  (a navigator, not a dict)
        window.show_panel(key)
        app.processEvents()
    window.show_panel("training")

    def settle() -> None:
        app.processEvents()
        app.processEvents()
        window.grab()

    def toggle(zoom_fn) -> float:
        """Seconds for zoom 1.6 and back to 1, each laid out and painted."""
        start = time.process_time()
        for zoom in (1.6, 1.0):
            zoom_fn(window, zoom)
            settle()
        return (time.process_time() - start) / 2

    def switch(zoom_fn) -> float:
        """Seconds for a panel switch at zoom 1.6: the zoom applied again, as on a panel's first showing."""
        zoom_fn(window, 1.6)
        settle()
        start = time.process_time()
        window.navigator.show_panel("draw")
        zoom_fn(window, 1.6)
        settle()
        window.navigator.show_panel("training")
        zoom_fn(window, 1.6)
        settle()
        elapsed = (time.process_time() - start) / 2
        zoom_fn(window, 1.0)
        settle()
        return elapsed

    ways = {"before": old_apply_zoom, "after": apply_zoom}
    times: dict[str, dict[str, list[float]]] = {name: {"toggle": [], "switch": []} for name in ways}
    toggle(apply_zoom)  # warm up: every widget's base size and pixmap caches
    for round_ in range(args.rounds):
        order = list(ways) if round_ % 2 == 0 else list(reversed(ways))
        for name in order:
            times[name]["toggle"].append(toggle(ways[name]))
            times[name]["switch"].append(switch(ways[name]))
        print(f"round {round_ + 1}: " + ", ".join(
            f"{name} toggle {times[name]['toggle'][-1] * 1000:.0f} ms switch {times[name]['switch'][-1] * 1000:.0f} ms"
            for name in ways), flush=True)
    for what in ("toggle", "switch"):
        before, after = (statistics.median(times[name][what]) for name in ways)
        spread = {name: (min(times[name][what]) * 1000, max(times[name][what]) * 1000) for name in ways}
        print(f"{what}: before {before * 1000:.0f} ms ({spread['before'][0]:.0f}-{spread['before'][1]:.0f}), "
              f"after {after * 1000:.0f} ms ({spread['after'][0]:.0f}-{spread['after'][1]:.0f}), "
              f"after/before {after / before:.2f} (medians of {args.rounds} rounds, load {os.getloadavg()[0]:.1f})")
    window.close()


if __name__ == "__main__":
    main()
