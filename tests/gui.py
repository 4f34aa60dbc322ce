"""Helpers shared by the GUI tests: open the main window and wait until its dataset is loaded;
add a made-up run (no training) to a runs model."""

from dataclasses import replace

import numpy as np

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


def made_up_run(model, epochs: int = 3, *, rate: float = 1.0, seed: int = 0, lr: float = 0.1,
                group: str = "", name: str = "Run {n} · made up"):
    """A completed run of ``epochs`` epochs added to ``model`` (a RunsModel), without training.

    Its loss falls at ``rate``: the figures depend on ``rate`` and ``epochs`` only, so two runs of
    the same rate have the same curves whatever their settings (``seed``, ``lr``: the default
    preset's, and the run's ``group`` and ``name``).
    """
    from engine.network import NetworkSpec
    from engine.presets import PRESETS
    from engine.training import EpochEnd, RunEnd
    config = replace(PRESETS["default"].training, epochs=epochs, seed=seed, lr=lr)
    run = model.new_run(name, NetworkSpec(), config, "digits")
    run.group = group
    for i in range(epochs * 10):
        run.add_batch_loss(i / 10, 0.05 + 2.2 * np.exp(-3 * rate * i / 10))
    for e in range(1, epochs + 1):
        loss = 0.05 + 0.4 * np.exp(-rate * e / 3)
        run.add_epoch(EpochEnd(e, epochs, loss, 1 - loss / 2, 1.1 * loss, 1 - loss / 1.8, None, None,
                               1.0, 1000.0, 0.1))
    run.finish(RunEnd("completed", f"Trained {epochs} epochs.", epochs, 1.0, 1000.0, 0.1, 0.97,
                      tuple(run.epochs)))
    model.run_changed.emit(run)
    return run
