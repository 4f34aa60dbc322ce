"""The ``mnist-gui`` command: parse the arguments, create the QApplication, show the main window."""

from __future__ import annotations

import argparse
import os
import sys

from PySide6.QtWidgets import QApplication

from mnist_gui.about import VERSION
from mnist_gui.garbage import collect_on_gui_thread
from mnist_gui.icons import app_icon
from mnist_gui.qt_fixes import apply as apply_qt_fixes
from mnist_gui.settings import APPLICATION, ORGANIZATION
from mnist_gui.theme import THEMES, apply_theme
from mnist_gui.workers.worker import wait_for_orphans

# After the window has gone: how long jobs may take to stop before the process ends without them.
# A download stops within about a second of being asked (engine.files.http_stream); a load blocked on a
# stalled network share or one long training step cannot be interrupted, and nothing they would
# still do is worth keeping a closed app alive for.
ORPHAN_WAIT_MS = 2_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="mnist-gui",
        description="Learn how neural networks learn: train one on handwritten digits and watch it.")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder with the MNIST (or Fashion-MNIST) files to open")
    parser.add_argument("--no-download", action="store_true",
                        help="never download MNIST by itself (when none is found, open on the "
                             "built-in offline digits)")
    parser.add_argument("--theme", choices=THEMES, default="system",
                        help="colours: follow the system (default), or force light or dark")
    parser.add_argument("--version", action="version", version=f"mnist-gui {VERSION}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    apply_qt_fixes()  # before any widget: PySide6 6.12.0 on Python 3.11 (see qt_fixes.py)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("MNIST GUI")
    app.setApplicationVersion(VERSION)
    app.setWindowIcon(app_icon())
    apply_theme(app, args.theme)
    from mnist_gui.main_window import MainWindow  # after the QApplication: the window reads the screen
    # close_timeout_ms=0: closing asks every job to stop and the window goes at once; the jobs
    # still running are waited for here, with nothing left on the screen.
    window = MainWindow(data_dir=args.data_dir, download_if_missing=not args.no_download,
                        close_timeout_ms=0)
    window.show()
    collector = collect_on_gui_thread(app)  # never in a worker thread: see garbage.py
    code = app.exec()
    collector.stop()
    window.shutdown(0)  # also stops a job that started after the close (nothing should; be sure)
    if not wait_for_orphans(ORPHAN_WAIT_MS):
        # A job is stuck in a call nothing can interrupt (a stalled network share, a long training
        # step). The window is gone and the settings are written; end now rather than destroy
        # its thread under it ("QThread: Destroyed while thread is still running", SIGABRT).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
