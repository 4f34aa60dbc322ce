"""Redraws kept off the GUI thread's back (issue #22): the training plots put off their work while
another panel is on screen, the image gallery keeps the thumbnails of the images it still shows."""

from dataclasses import replace
from functools import partial

import numpy as np
from PySide6.QtWidgets import QStackedWidget

from engine.network import NetworkSpec
from engine.presets import PRESETS
from engine.training import EpochEnd
from mnist_gui.panels.training.plots import TrainingPlots
from mnist_gui.state.runs import RunsModel, RunState


def _plots_in_a_stack(qtbot):
    """TrainingPlots on page 0 of a shown stack (as a panel in the window), a blank page 1."""
    runs = RunsModel()
    stack = QStackedWidget()
    plots = TrainingPlots(runs)
    stack.addWidget(plots)
    stack.addWidget(QStackedWidget())
    qtbot.addWidget(stack)
    stack.resize(900, 500)
    stack.show()
    qtbot.waitExposed(stack)
    return runs, stack, plots


def _epoch(epoch: int, of: int, loss: float) -> EpochEnd:
    return EpochEnd(epoch, of, loss, 0.9, loss, 0.9, None, None, 1.0, 1000.0, 0.1)


def test_hidden_plots_put_off_their_redraws_and_show_the_latest_data_when_shown(qtbot):
    runs, stack, plots = _plots_in_a_stack(qtbot)
    run = runs.new_run("r", NetworkSpec(), replace(PRESETS["default"].training, epochs=4))
    for i in range(10):
        runs.add_batches(run, i / 10, 2.0 - i / 10)
    raw = plots._curves[run.number].raw  # the items themselves: curves() would catch up
    assert len(raw.getData()[0]) == 10
    stack.setCurrentIndex(1)  # another panel on screen
    for i in range(10, 30):
        runs.add_batches(run, i / 10, 2.0 - i / 20)
    runs.add_epoch(run, _epoch(1, 4, 1.2))
    later = runs.new_run("s", NetworkSpec(), replace(PRESETS["default"].training, epochs=9))
    runs.add_batches(later, 0.1, 1.5)
    assert plots.is_behind()
    assert len(raw.getData()[0]) == 10  # not fed while hidden
    assert later.number not in plots._curves  # nor made
    assert plots.loss_plot.viewRange()[0][1] < 9  # nor framed for the 9-epoch run
    stack.setCurrentIndex(0)  # shown again: everything the runs hold, before the first paint
    assert not plots.is_behind()
    x, y = raw.getData()
    assert np.allclose(x, run.raw.x()) and np.allclose(y, run.raw.y()) and len(x) == 30
    assert len(plots._curves[run.number].train_loss.getData()[0]) == 1  # the epoch's point
    assert np.allclose(plots._curves[later.number].raw.getData()[1], [1.5])
    assert plots.loss_plot.viewRange()[0][1] >= 9  # framed for the longest run


def test_a_run_removed_while_hidden_is_not_drawn_when_shown(qtbot):
    runs, stack, plots = _plots_in_a_stack(qtbot)
    config = replace(PRESETS["default"].training, epochs=2)
    kept = runs.new_run("kept", NetworkSpec(), config)
    runs.add_batches(kept, 0.5, 1.0)
    stack.setCurrentIndex(1)
    gone = runs.new_run("gone", NetworkSpec(), replace(config, epochs=20))
    runs.add_batches(gone, 0.5, 1.0)
    runs.set_state(gone, RunState.STOPPED)
    assert runs.remove(gone)
    stack.setCurrentIndex(0)
    assert gone.number not in plots._curves and plots.curves(kept) is not None
    assert plots.loss_plot.viewRange()[0][1] < 20  # framed for the run that is left


def test_plots_never_shown_are_updated_at_once(qtbot):
    """A window not on screen (an export, a test) is not put off: nothing would catch it up."""
    runs = RunsModel()
    plots = TrainingPlots(runs)
    qtbot.addWidget(plots)
    run = runs.new_run("r", NetworkSpec(), PRESETS["default"].training)
    runs.add_batches(run, 0.5, 1.0)
    assert not plots.is_behind()
    assert np.allclose(plots._curves[run.number].raw.getData()[1], [1.0])


# --- the image gallery ------------------------------------------------------------------------


def _answers(n: int, shift: int = 0):
    """(true, top classes, top probabilities) of n items; ``shift`` changes the network's answer."""
    true = np.arange(n) % 10
    top = np.stack([(true + 1 + shift) % 10, true, (true + 2) % 10], axis=1)
    probs = np.tile([0.6, 0.3, 0.1], (n, 1))
    return true, top, probs


def _gallery(qtbot):
    from mnist_gui.widgets.image_gallery import ImageGallery
    gallery = ImageGallery("testGallery")
    qtbot.addWidget(gallery)
    gallery.resize(700, 500)
    gallery.show()
    qtbot.waitExposed(gallery)
    return gallery


def _note_rows(changed: list, first, last, *_roles):
    changed.append((first.row(), last.row()))


def _thumbnail(gallery, row: int):
    from PySide6.QtCore import Qt
    return gallery.model.data(gallery.model.index(row), Qt.DecorationRole)


def test_the_gallery_keeps_the_thumbnails_of_the_same_images(qtbot, monkeypatch):
    import mnist_gui.widgets.image_gallery as image_gallery
    images = np.random.default_rng(0).integers(0, 255, (50, 8, 8), dtype=np.uint8)
    gallery = _gallery(qtbot)
    names = tuple(str(c) for c in range(10))
    gallery.set_items(images, [3, 7, 9], *_answers(3), names)
    first = [_thumbnail(gallery, r).cacheKey() for r in range(3)]
    made, real = [], image_gallery.gray_image

    def counting(array):
        made.append(array.copy())
        return real(array)
    monkeypatch.setattr(image_gallery, "gray_image", counting)
    gallery.set_items(images, [9, 3, 11], *_answers(3), names)  # a new evaluation: other mistakes
    assert _thumbnail(gallery, 0).cacheKey() == first[2] and _thumbnail(gallery, 1).cacheKey() == first[0]
    _thumbnail(gallery, 2)
    assert len(made) == 1 and np.array_equal(made[0], images[11])  # only the new image is made
    other = images.copy()  # another split (another dataset): its thumbnails are made anew
    other[9] = 255 - other[9]
    gallery.set_items(other, [9, 3, 11], *_answers(3), names)
    assert _thumbnail(gallery, 0).cacheKey() != first[2]
    assert np.array_equal(made[-1], other[9])


def test_new_answers_for_the_same_images_redraw_the_changed_rows_in_place(qtbot):
    images = np.zeros((20, 8, 8), np.uint8)
    gallery = _gallery(qtbot)
    names = tuple(str(c) for c in range(10))
    gallery.set_items(images, [1, 2, 3, 4], *_answers(4), names)
    gallery.view.setCurrentIndex(gallery.model.index(2))
    true, top, probs = _answers(4)
    top[1] = _answers(4, shift=3)[1][1]  # the network changed its mind on item 1 only
    resets, changed = [], []
    gallery.model.modelReset.connect(partial(resets.append, "reset"))
    gallery.model.dataChanged.connect(partial(_note_rows, changed))
    gallery.set_items(images, [1, 2, 3, 4], true, top, probs, names)
    assert resets == [] and changed == [(1, 1)]
    assert gallery.model.answer(1)[1][0][0] == int(top[1, 0])  # the view says what the model says
    assert gallery.current_row() == 2  # the selection stays
    gallery.set_items(images, [1, 2, 3, 4], true, top, probs, names)  # nothing new: nothing redrawn
    assert changed == [(1, 1)]
    gallery.set_items(images, [4, 3], *_answers(2), names)  # other items: the model is reset
    assert len(resets) == 1 and gallery.model.rowCount() == 2


# --- #19: connections to bound methods, never to lambdas holding widgets ------------------------


def test_a_warning_slot_forgets_only_the_box_that_is_gone(qtbot):
    from PySide6.QtWidgets import QWidget

    from mnist_gui.widgets.warning import WarningSlot
    owner = QWidget()
    qtbot.addWidget(owner)
    slot = WarningSlot(owner, "testWarning")
    first = slot.show("One", "first")
    second = slot.show("Two", "second")  # replaces the first, which is deleted later
    assert slot.dialog is second and second.objectName() == "testWarning"
    qtbot.waitUntil(partial(_gone, first), timeout=5000)
    assert slot.dialog is second  # the old box going does not forget the one on screen
    second.close()
    qtbot.waitUntil(partial(_gone, second), timeout=5000)
    assert slot.dialog is None


def _gone(widget) -> bool:
    from shiboken6 import isValid
    return not isValid(widget)


# --- training dynamics ----------------------------------------------------------------------


def test_the_dynamics_plots_make_their_curves_one_plot_at_a_time(qtbot):
    """A live redraw draws one part per tick; a plot's curves are made on its own tick (making
    them all at the first measurement held the GUI thread 30 ms)."""
    from engine.network import HiddenLayer
    from engine.training import TrainConfig
    from mnist_gui.panels.inside.dynamics_view import DynamicsView
    from mnist_gui.state.model_hub import ModelHub
    from mnist_gui.state.training import TrainingSession

    from synthetic import make_dataset
    runs = RunsModel()
    session = TrainingSession(runs, ModelHub())
    spec = NetworkSpec(hidden=(HiddenLayer(16), HiddenLayer(12)), seed=0)
    config = replace(TrainConfig(), epochs=2, batch_size=16, optimiser="sgd", lr=0.1)
    with qtbot.waitSignal(session.run_finished, timeout=20000):
        run = session.start("r", spec, config, make_dataset(240, 60))
    assert session.shutdown(5000)
    view = DynamicsView(runs)  # made after the run, never shown: nothing drawn yet
    qtbot.addWidget(view)
    view._draw(["gradient"])  # one live tick
    assert len(view.curves("gradient")) == 3 and view.curves("ratio") == [] and view.curves("units") == []
    view.refresh()  # every part: each plot's curves, one per layer, show the run's numbers
    assert [len(view.curves(k)) for k in ("gradient", "ratio", "units")] == [3, 3, 2]
    for i, curve in enumerate(view.curves("ratio")):
        assert np.allclose(curve.yData, run.dynamics.update_ratios[:, i])  # (getData is log10)


# --- the confusion matrix -------------------------------------------------------------------


def test_the_confusion_matrix_paints_each_cell_its_colour_inside_one_grid(qtbot):
    """One paint lays out once and draws the grid as one-pixel lines on whole pixels: every cell
    still shows its colour, and every edge between cells its faint line."""
    from PySide6.QtGui import QColor

    from mnist_gui.panels.evaluate.confusion import ConfusionMatrix
    matrix = ConfusionMatrix()
    qtbot.addWidget(matrix)
    matrix.resize(640, 560)
    counts = np.full((10, 10), 3)
    counts[np.arange(10), np.arange(10)] = 900
    counts[4, 9] = 60  # the worst mistake: the darkest red
    matrix.set_confusion(counts, tuple(str(c) for c in range(10)))
    image = matrix.grab().toImage()
    colours = matrix._colours(matrix._values())
    for t, p in ((0, 0), (4, 9), (2, 7)):
        rect = matrix.cell_rect(t, p)
        inside = QColor(image.pixel(int(rect.left() + 4), int(rect.top() + 4)))
        assert inside == colours[t][p], (t, p)
        edge = QColor(image.pixel(round(rect.left()), int(rect.top() + 4)))  # its left edge, on a whole pixel
        assert edge.lightness() < inside.lightness(), (t, p)
    assert colours[4][9].lightness() < colours[2][7].lightness()
