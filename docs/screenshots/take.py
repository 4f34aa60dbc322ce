"""Train a short run in the real window and take a screenshot of each panel, as the README's are taken.

Needs an X display (``Xvfb :99 -screen 0 1472x920x24 &``) and ImageMagick's ``import``:

    DISPLAY=:99 QT_QPA_PLATFORM=xcb MNIST_DATA_DIR=../shared/data/mnist \\
        python docs/screenshots/take.py OUTDIR [--size 1472x920] [--epochs 10] [--theme dark] [--zoom 1.6] \\
        [--panels data,means,training,draw,evaluate,inside,replay] [--replay-step 30]

The window sits at the screen's top left with the given size; each panel (and each tab of Inside) is
shot a second after it is shown; on the Draw panel's canvas the mouse draws a 2. The run is the
``default`` preset for ``--epochs`` epochs. ``replay`` moves the Replay slider to the kept step nearest
``--replay-step`` and shoots the training panel (the marker on the plots) and Evaluate's "What it
learned" at that moment, then goes back to the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import itertools

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from engine.files.sources import load_folder
from engine.presets import preset


def wait(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def shoot(path: Path) -> None:
    wait(1.2)
    subprocess.run(["import", "-window", "root", str(path)], check=True)


def train(window, epochs: int, name: str = "default") -> None:
    view = window.training_view
    chosen = preset(name)
    view.builder.set_spec(chosen.network, replace(chosen.training, epochs=epochs))
    window.show_panel("training")
    loop = QEventLoop()
    view.session.run_finished.connect(lambda *_: loop.quit())
    QTimer.singleShot(0, view.controls.start_button.click)
    loop.exec()


TWO = ((0.32, 0.33), (0.35, 0.22), (0.45, 0.15), (0.56, 0.15), (0.65, 0.22), (0.67, 0.33), (0.62, 0.45),
       (0.50, 0.58), (0.38, 0.72), (0.30, 0.82), (0.45, 0.82), (0.60, 0.82), (0.72, 0.82))


def draw_a_two(canvas) -> None:
    """One mouse stroke along ``TWO`` (units of the drawing area), eight moves per segment."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    canvas.clear()
    points = [TWO[0]] + [(x0 + (x1 - x0) * t / 8, y0 + (y1 - y0) * t / 8)
                         for (x0, y0), (x1, y1) in itertools.pairwise(TWO) for t in range(1, 9)]
    QTest.mousePress(canvas, Qt.LeftButton, Qt.NoModifier, canvas.position_of(*points[0]))
    for point in points[1:]:
        QTest.mouseMove(canvas, canvas.position_of(*point))
    QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, canvas.position_of(*points[-1]))


def shoot_replay(window, out: Path, step: int) -> None:
    """The training panel and What it learned at the kept step nearest ``step``; back to the end."""
    from engine.replay import nearest
    bar = window.training_view.replay_bar
    window.show_panel("training")
    bar.go_to(nearest(bar.run.snapshots, step))
    shoot(out / "replay.png")
    window.show_panel("evaluate")
    window.evaluate_view.tabs.setCurrentIndex(2)
    shoot(out / "replay_weights.png")
    bar.go_to_end()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="1472x920")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--theme", default="light", choices=("light", "dark"))
    parser.add_argument("--zoom", type=float, default=1.0)
    parser.add_argument("--panels", default="data,means,training,draw,evaluate,inside")
    parser.add_argument("--preset", default="default", help="the preset trained (e.g. lenet for a CNN)")
    parser.add_argument("--replay-step", type=int, default=30, help="the step the replay shots show")
    args = parser.parse_args()
    if "MNIST_DATA_DIR" not in os.environ:
        sys.exit("set MNIST_DATA_DIR to the folder with the MNIST files")
    from mnist_gui.qt_fixes import apply
    apply()  # as mnist_gui/app.py does
    app = QApplication.instance() or QApplication([])
    from mnist_gui.main_window import MainWindow
    from mnist_gui.theme import apply_theme
    apply_theme(app, args.theme)
    args.out.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.IniFormat), load=False)
        window.resize(width, height)
        window.move(0, 0)
        window.show()
        window.presentation.set_zoom(args.zoom)
        window.set_dataset(load_folder(os.environ["MNIST_DATA_DIR"]))
        wait(2)
        train(window, args.epochs, args.preset)
        for key in args.panels.split(","):
            if key == "replay":
                shoot_replay(window, args.out, args.replay_step)
                continue
            if key == "draw":  # a digit drawn with the mouse, so the shot shows a reading
                draw_a_two(window.draw_view.canvas)
            window.show_panel(key)
            if key == "evaluate":
                tabs = window.evaluate_view.tabs
                for i, tab in enumerate(("confusion", "mistakes", "weights")):
                    tabs.setCurrentIndex(i)
                    shoot(args.out / f"evaluate_{tab}.png")
                continue
            if key != "inside":
                shoot(args.out / f"{key}.png")
                continue
            for tab in ("step", "dynamics", "embedding", "saliency"):
                window.inside_view.show_tab(tab)
                shoot(args.out / f"inside_{tab}.png")
        window.close()


if __name__ == "__main__":
    main()
