"""Inside in front of a class: presentation mode's zoom scales each label once, however often the
panel is revisited, and a presenter's clicker steps the slow-motion trace as soon as the panel shows."""

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QLabel

from engine.network import HiddenLayer, Network, NetworkSpec
from mnist_gui.panels.inside.conv_parts import NumberGrid, WindowTile
from mnist_gui.state.presentation import PRESENTING_ZOOM
from mnist_gui.widgets.panel_area import PanelArea

from gui import open_window
from synthetic import make_idx_folder

TIMEOUT = 20000


@pytest.fixture
def window(qtbot, settings, tmp_path):
    window = open_window(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)
    window.resize(1280, 720)
    window.activateWindow()
    qtbot.waitActive(window)
    window.hub.set_network(Network(NetworkSpec(hidden=(HiddenLayer(16),), seed=1)), "a small MLP")
    return window


def _press(qtbot, key, modifier=Qt.NoModifier):
    """A key as the user types it: to whatever has the focus."""
    qtbot.keyClick(QApplication.focusWidget() or QApplication.activeWindow(), key, modifier)


def _shown_trace(qtbot, step):
    qtbot.waitUntil(lambda: step.trace() is not None and not step.runner.is_busy(), timeout=TIMEOUT)


def test_a_label_made_after_the_zoom_is_scaled_once_after_revisiting_the_panel(qtbot, window):
    window.presentation.set_presenting(True)
    base = QApplication.font().pointSizeF()
    _press(qtbot, Qt.Key_6, Qt.ControlModifier)
    step = window.inside_view.step_view
    _shown_trace(qtbot, step)  # the layer rows ("hidden 1 (relu)") are made now, inside the zoomed panel
    for key in (Qt.Key_1, Qt.Key_6, Qt.Key_2, Qt.Key_6):  # away and back, twice: each time zoomed again
        _press(qtbot, key, Qt.ControlModifier)
    name = step.findChild(QLabel, "stripLayer0")
    assert "hidden 1" in name.text()
    assert name.font().pointSizeF() == pytest.approx(base * PRESENTING_ZOOM, rel=0.02)
    assert name.font().pointSizeF() == pytest.approx(step.stage_note.font().pointSizeF(), rel=0.02)
    window.presentation.set_presenting(False)
    assert name.font().pointSizeF() == pytest.approx(base, rel=0.02)


def test_the_clicker_steps_the_trace_as_soon_as_the_panel_shows_and_never_scrolls_it(qtbot, window):
    window.resize(1000, 440)  # a small projector, zoomed: the panel is taller than the window
    window.presentation.set_presenting(True)
    _press(qtbot, Qt.Key_6, Qt.ControlModifier)
    step = window.inside_view.step_view
    _shown_trace(qtbot, step)
    area = next(a for a in window.findChildren(PanelArea) if a.panel() is window.inside_view)
    scroll = area.verticalScrollBar()
    qtbot.waitUntil(lambda: scroll.maximum() > 0)  # there is something PageDown could scroll
    assert step.stage == 0
    _press(qtbot, Qt.Key_PageDown)
    assert step.stage == 1 and scroll.value() == 0
    _press(qtbot, Qt.Key_Right)
    _press(qtbot, Qt.Key_PageDown)
    assert step.stage == 3 and scroll.value() == 0
    _press(qtbot, Qt.Key_PageUp)
    _press(qtbot, Qt.Key_Left)
    assert step.stage == 1 and scroll.value() == 0
    _press(qtbot, Qt.Key_1, Qt.ControlModifier)  # on another panel the keys are that panel's
    _press(qtbot, Qt.Key_PageDown)
    assert step.stage == 1


@pytest.mark.parametrize("name", ["lenet", "cnn"])
def test_every_convolution_stage_fits_a_1280x720_screen_presenting_and_the_clicker_steps_it(qtbot, window, name):
    """A CNN's trace at zoom 1.6: no stage (the sliding filter of either convolution, the dense ones, the
    update) needs a scroll bar; cnn's second convolution reads 32 maps."""
    from engine.presets import preset
    window.hub.set_network(Network(preset(name).network), name)
    window.presentation.set_presenting(True)
    _press(qtbot, Qt.Key_6, Qt.ControlModifier)
    step = window.inside_view.step_view
    qtbot.waitUntil(lambda: step.slide.trace is not None and not step.runner.is_busy(), timeout=TIMEOUT)
    area = next(a for a in window.findChildren(PanelArea) if a.panel() is window.inside_view)
    too_tall = []
    for layer in (0, 1):
        step.slide.set_layer(layer)
        for n in range(len(step.stage_pages)):
            while step.stage != n:
                _press(qtbot, Qt.Key_PageDown if step.stage < n else Qt.Key_PageUp)
            least, room = _settled_least(area), area.maximumViewportSize()
            if least.height() > room.height() or least.width() > room.width():
                too_tall.append((layer, step.stage_pages[n].TITLE, least.width(), least.height()))
    assert too_tall == [] and step.stage == len(step.stage_pages) - 1
    assert not step.conv_backward.arrangement.under  # no room for the numbers under the pictures


@pytest.mark.parametrize("presenting", [False, True])
def test_at_1920x1080_the_sliding_filter_and_the_maps_take_the_pages_room(qtbot, window, presenting):
    """No empty band on a large screen: the pictures grow with the page (they stopped at 260 px, a
    third of it), the backward page's numbers go under them, and nothing scrolls."""
    from engine.presets import preset
    window.resize(1920, 1080)
    window.hub.set_network(Network(preset("lenet").network), "lenet")
    window.presentation.set_presenting(presenting)
    _press(qtbot, Qt.Key_6, Qt.ControlModifier)
    step = window.inside_view.step_view
    qtbot.waitUntil(lambda: step.slide.trace is not None and not step.runner.is_busy(), timeout=TIMEOUT)
    area = next(a for a in window.findChildren(PanelArea) if a.panel() is window.inside_view)
    for page in (step.conv_forward, step.feature_maps_page, step.conv_backward):
        while step.pages.currentWidget() is not page:
            _press(qtbot, Qt.Key_PageDown)
        least, room = _settled_least(area), area.maximumViewportSize()
        assert least.height() <= room.height() and least.width() <= room.width(), page.TITLE
        if page is step.feature_maps_page:
            strip = page.maps
            assert strip._grid()[:2] == (2, 2) and strip._grid()[2] >= 0.4 * strip.height()
            continue
        tiles = page.findChildren(WindowTile)
        assert len(tiles) == 2
        for tile in tiles:
            assert tile._target().height() >= 0.5 * page.body.height(), (page.TITLE, tile.objectName())
        scales = {grid.objectName(): round(grid._geometry()[0], 2) for grid in page.findChildren(NumberGrid)}
        assert min(scales.values()) >= 0.7, scales  # the numbers at 70 % of their size at least
    assert step.conv_backward.arrangement.under


def _settled_least(area):
    """The least size of the area's panel once the page just shown is laid out: a wrapped label's
    height follows its width, which it gets only when the layout runs (the events are processed until
    the size stays the same three times; measured at once it would be the page shown before)."""
    sizes = []
    while len(sizes) < 3 or len(set(sizes[-3:])) > 1:
        assert len(sizes) < 50, f"the panel's size never settles: {sizes[-5:]}"
        QApplication.processEvents()
        least = area.widget().minimumSizeHint().expandedTo(area.widget().minimumSize())
        sizes.append((least.width(), least.height()))
    return QSize(*sizes[-1])


def test_the_dynamics_plots_fit_their_cells_at_1280x720_presenting(qtbot, window):
    # a long title set the plot's least width past its cell (610 px in a 521 px widget): the plot
    # and its legend were cut off on the right
    from mnist_gui.panels.inside.dynamics_view import DynamicsView
    window.presentation.set_presenting(True)
    window.presentation.set_zoom(PRESENTING_ZOOM)
    window.show_panel("inside")
    window.inside_view.show_tab("dynamics")
    view = window.findChild(DynamicsView)
    qtbot.waitUntil(view.isVisible)
    QApplication.processEvents()
    plots = [*view._plots.values(), view.histogram_view]
    for plot in plots:
        item = plot.getPlotItem()
        assert item.minimumWidth() <= plot.width(), (plot.objectName(), item.minimumWidth(), plot.width())
        assert item.size().width() <= plot.width() + 1, plot.objectName()
        assert item.minimumHeight() <= plot.height(), (plot.objectName(), item.minimumHeight(), plot.height())
