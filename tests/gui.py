"""Helpers shared by the GUI tests: open the main window and wait until its dataset is loaded."""

TIMEOUT = 20000  # ms: generous, since CI machines are slow and busy


def open_window(qtbot, data_dir, settings, **kwargs):
    """A shown MainWindow on ``data_dir`` with ``settings``, once its first dataset has loaded."""
    from mnist_gui import MainWindow
    kwargs.setdefault("download_if_missing", False)  # tests never download unless they say where from
    window = MainWindow(data_dir, settings=settings, **kwargs)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.dataset_changed, timeout=TIMEOUT):
        window.show()
    return window
