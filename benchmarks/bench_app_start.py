"""The app as a newcomer meets it: time to a shown window, time to load MNIST, and scrolling the grid.

1. Start-up, from launch: a fresh ``python`` process (as ``mnist-gui --data-dir DIR`` starts)
   builds the app and the main window; the parent process times, on the shared monotonic clock,
   when the window is first exposed on screen and when the dataset has loaded into it. Repeated
   ``--starts`` times; the median is reported.
2. Loading MNIST from the local folder (the four .gz IDX files, validated), the engine call the
   app's loader thread makes.
3. Scrolling the full training grid (60,000 thumbnails) page by page from top to bottom, and by
   wheel notches, repainting the list synchronously after each step: the time of each repaint.

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_app_start.py [--starts 5]

Targets: window shown in under 2 s; MNIST loaded in under 1 s; every frame of the scroll well
under 50 ms (no visible stutter: 16 ms is one frame at 60 Hz).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The child: the same steps as mnist_gui.app.main, with the moments of interest reported.
CHILD = r"""
import json, sys, time
from PySide6.QtCore import QObject, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication
from mnist_gui.app import parse_args
from mnist_gui.qt_fixes import apply
apply()
times = {}
class Exposed(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Expose and "shown" not in times and obj.isExposed():
            times["shown"] = time.monotonic()
        return False
args = parse_args(sys.argv[1:-1])
app = QApplication([sys.argv[0]])
from mnist_gui.main_window import MainWindow
window = MainWindow(data_dir=args.data_dir, settings=QSettings(sys.argv[-1], QSettings.IniFormat))
def loaded(_):
    times["loaded"] = time.monotonic()
    QTimer.singleShot(0, app.quit)
window.dataset_changed.connect(loaded)
window.show()
watcher = Exposed()
window.windowHandle().installEventFilter(watcher)
app.exec()
window.close()
print(json.dumps(times))
"""


def one_start(data_dir: str, settings: str) -> tuple[float, float]:
    """(seconds to a shown window, seconds until the dataset is in it), from the launch."""
    launched = time.monotonic()
    out = subprocess.run([sys.executable, "-c", CHILD, "--data-dir", data_dir, settings],
                         capture_output=True, text=True, check=True, cwd=ROOT, timeout=120)
    times = json.loads(out.stdout.strip().splitlines()[-1])
    return times["shown"] - launched, times["loaded"] - launched


def scroll_frames(data_dir: str) -> tuple[list[float], int]:
    """Milliseconds of each synchronous repaint while scrolling the training grid, by page and by
    wheel notch: {"page": [...], "wheel": [...]}, and the number of rows."""
    from PySide6.QtCore import QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication, QListView

    from mnist_gui.qt_fixes import apply
    apply()  # as mnist_gui/app.py does
    app = QApplication.instance() or QApplication([])
    from mnist_gui.main_window import MainWindow
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(data_dir, settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.IniFormat))
        window.resize(1600, 1000)
        loop = QEventLoop()
        window.dataset_changed.connect(loop.quit)
        window.show()
        loop.exec()
        app.processEvents()
        browser = window.findChild(QListView, "datasetBrowser")
        bar = browser.verticalScrollBar()
        frames = {}
        for kind, step in (("page", bar.pageStep()), ("wheel", 3 * bar.singleStep())):
            bar.setValue(0)
            app.processEvents()
            frames[kind] = []
            while bar.value() < bar.maximum() and len(frames[kind]) < 2000:
                bar.setValue(bar.value() + step)
                start = time.perf_counter()
                browser.viewport().repaint()
                frames[kind].append(1000 * (time.perf_counter() - start))
                app.processEvents()
        rows = browser.model().rowCount()
        window.close()
    return frames, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args(argv)
    folder = os.environ.get("MNIST_DATA_DIR")
    if not folder:
        print("set MNIST_DATA_DIR to the folder with the MNIST files", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        starts = [one_start(folder, str(Path(tmp) / f"settings{i}.ini")) for i in range(args.starts)]
    shown = statistics.median(s for s, _ in starts)
    loaded = statistics.median(t for _, t in starts)
    print(f"start-up over {args.starts} launches (median): window shown {shown:.2f} s after launch "
          f"(target < 2 s), MNIST in it {loaded:.2f} s after launch")
    from engine.files.sources import load_folder
    loads = []
    for _ in range(5):
        start = time.perf_counter()
        load_folder(folder)
        loads.append(time.perf_counter() - start)
    print(f"loading MNIST from {folder}: median {statistics.median(loads):.2f} s, best "
          f"{min(loads):.2f} s over 5 loads (target < 1 s)")
    frames, rows = scroll_frames(folder)
    for kind, what in (("page", "a page at a time (every frame all new thumbnails)"),
                       ("wheel", "a wheel notch at a time (3 lines; 2,000 frames)")):
        ms = sorted(frames[kind])
        print(f"scrolling {rows:,} thumbnails {what}: repaint median {statistics.median(ms):.1f} ms, "
              f"95th percentile {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, worst {ms[-1]:.1f} ms "
              "(target: well under 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
