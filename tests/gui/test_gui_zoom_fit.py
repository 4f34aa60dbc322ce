"""Presenter mode on a 1280x720 projector: the Training and Draw panels fit the window's
width at zoom 1.6 without scrolling sideways, and the sidebar's panel names are never elided."""

import pytest
from PySide6.QtWidgets import QApplication

from mnist_gui.state.presentation import PRESENTING_ZOOM

from gui import TIMEOUT, open_window
from synthetic import make_idx_folder

SCREEN = (1280, 720)


@pytest.fixture
def window(qtbot, settings, tmp_path):
    window = open_window(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)
    window.resize(*SCREEN)
    return window


def zoomed(qtbot, window, zoom: float):
    """Set the zoom (presentation mode at its own zoom) and lay every panel out at it."""
    if zoom == PRESENTING_ZOOM:
        window.presentation.set_presenting(True)
    else:
        window.presentation.set_presenting(False)
        window.presentation.set_zoom(zoom)
    for key in window.navigator.keys():  # noqa: SIM118  (a navigator, not a dict)
        window.show_panel(key)
        QApplication.processEvents()


def fits_sideways(window, key: str) -> bool:
    """The panel's least width fits its scroll area's viewport: no horizontal scroll bar, and the
    panel no wider than the viewport (while the zoom settles a vertical scroll bar may show for a
    moment, before the panel is fitted again)."""
    window.show_panel(key)
    area = window.navigator.stack.currentWidget()
    return (window.panel(key).minimumSizeHint().width() <= area.viewport().width()
            and area.horizontalScrollBar().maximum() == 0
            and window.panel(key).width() <= area.viewport().width())


@pytest.mark.parametrize("key", ["training", "draw"])
def test_presenting_on_1280x720_the_panel_fits_without_scrolling_sideways(qtbot, window, key):
    zoomed(qtbot, window, PRESENTING_ZOOM)
    qtbot.waitUntil(lambda: fits_sideways(window, key), timeout=TIMEOUT)
    area = window.navigator.stack.currentWidget()
    assert window.panel(key).minimumSizeHint().width() <= area.viewport().width()


def test_zoomed_the_training_panel_turns_into_tabs_showing_the_plots(qtbot, window):
    view = window.panel("training")
    zoomed(qtbot, window, 1.0)
    window.show_panel("training")
    qtbot.waitUntil(lambda: view.splitter.isVisible(), timeout=TIMEOUT)
    assert not view.is_tabbed()  # on the desktop: the settings beside the plots, as before
    assert view.splitter.indexOf(view.builder_scroll) == 0
    zoomed(qtbot, window, PRESENTING_ZOOM)
    window.show_panel("training")
    qtbot.waitUntil(view.is_tabbed, timeout=TIMEOUT)
    assert view.tabs.currentWidget() is view.training_column  # a presentation watches the plots
    assert view.tabs.indexOf(view.builder_scroll) == 0
    assert view.width() < view.side_by_side_width()
    zoomed(qtbot, window, 1.0)  # back on the desktop: side by side again
    window.show_panel("training")
    qtbot.waitUntil(lambda: not view.is_tabbed() and view.builder_scroll.isVisible(), timeout=TIMEOUT)
    assert view.splitter.count() == 2 and view.tabs.count() == 0


def test_starting_a_run_from_the_settings_tab_shows_the_plots(qtbot, window):
    view = window.panel("training")
    zoomed(qtbot, window, PRESENTING_ZOOM)
    window.show_panel("training")
    qtbot.waitUntil(view.is_tabbed, timeout=TIMEOUT)
    view.tabs.setCurrentWidget(view.builder_scroll)
    view.builder.epochs_spin.setValue(1)
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT):
        assert view.start() is not None
        assert view.tabs.currentWidget() is view.training_column


def test_the_settings_never_scroll_sideways(qtbot, window):
    view = window.panel("training")
    scroll = view.builder_scroll
    for zoom in (1.0, PRESENTING_ZOOM):
        zoomed(qtbot, window, zoom)
        window.show_panel("training")
        view.tabs.setCurrentWidget(view.builder_scroll)  # in tabs (zoomed): the settings' tab
        qtbot.waitUntil(lambda: scroll.isVisible() and scroll.viewport().width()
                        >= view.builder.minimumSizeHint().width(), timeout=TIMEOUT)
        assert scroll.horizontalScrollBar().maximum() == 0, zoom


def test_narrow_the_drawings_go_across_the_panel_and_back(qtbot, window):
    view = window.panel("draw")
    zoomed(qtbot, window, PRESENTING_ZOOM)
    window.show_panel("draw")
    qtbot.waitUntil(lambda: not view.drawings_below_both(), timeout=TIMEOUT)
    assert view.drawings.width() < view.width() // 2 + 50  # under the canvas, as at zoom 1
    window.resize(1150, 720)  # narrower than the canvas and the reading side by side with them
    qtbot.waitUntil(view.drawings_below_both, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: fits_sideways(window, "draw"), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: view.drawings.geometry().right() > view.prediction.x(), timeout=TIMEOUT)
    assert view.drawings.y() >= view.prediction.geometry().bottom()  # across, under both
    window.resize(*SCREEN)
    qtbot.waitUntil(lambda: not view.drawings_below_both(), timeout=TIMEOUT)


def label_lines(sidebar, row: int) -> list[str]:
    """The lines a sidebar entry's name is drawn on, at the width the entry gives its text."""
    from PySide6.QtCore import QRect, Qt
    room = sidebar.width() - sidebar.iconSize().width() - 16  # the icon, its gap and the padding
    metrics, text = sidebar.fontMetrics(), sidebar.item(row).text()
    box = metrics.boundingRect(QRect(0, 0, room, 10_000), Qt.TextWordWrap, text)
    assert box.width() <= room, text  # no word wider than the room: it would be elided
    return [text] if metrics.horizontalAdvance(text) <= room else box.height() // metrics.lineSpacing() * [""]


@pytest.mark.parametrize("zoom", [1.0, PRESENTING_ZOOM, 2.0])
def test_the_sidebar_shows_every_panel_name_whole(qtbot, window, zoom):
    zoomed(qtbot, window, zoom)
    sidebar = window.navigator.sidebar
    for row in range(sidebar.count()):
        lines = len(label_lines(sidebar, row))
        assert lines <= 2, (zoom, sidebar.item(row).text())
        assert sidebar.sizeHintForRow(row) >= lines * sidebar.fontMetrics().lineSpacing()
    if zoom == 1.0:  # on the desktop every name is on one line, as before
        assert all(len(label_lines(sidebar, row)) == 1 for row in range(sidebar.count()))


def test_a_wide_zoomed_window_keeps_the_names_on_one_line(qtbot, window):
    window.resize(1920, 1080)
    zoomed(qtbot, window, PRESENTING_ZOOM)
    sidebar = window.navigator.sidebar
    qtbot.waitUntil(lambda: all(len(label_lines(sidebar, row)) == 1 for row in range(sidebar.count())),
                    timeout=TIMEOUT)
    window.resize(*SCREEN)  # on the 1280x720 projector "Network and training" takes two lines
    qtbot.waitUntil(lambda: sidebar.width() < 0.2 * SCREEN[0], timeout=TIMEOUT)
    assert max(len(label_lines(sidebar, row)) for row in range(sidebar.count())) == 2


def squeezed_labels(window, key: str) -> list[str]:
    """The panel's visible wrapped labels drawn shorter than their text needs (lines overlapping
    whatever is below them)."""
    from mnist_gui.widgets.wrapped_label import WrappedLabel
    window.show_panel(key)
    QApplication.processEvents()
    return [f"{label.objectName() or label.text()[:30]!r}: {label.height()} < "
            f"{label.heightForWidth(label.width())}"
            for label in window.panel(key).findChildren(WrappedLabel)
            if label.isVisible() and label.height() < label.heightForWidth(label.width())]


@pytest.mark.parametrize("zoom", [1.0, PRESENTING_ZOOM, 1.84, 2.5])
def test_no_wrapped_text_is_squeezed_into_its_neighbours_at_any_zoom(qtbot, window, zoom):
    window.draw_view.show_image(window.dataset.test_images[0])  # the Draw panel's longest texts
    zoomed(qtbot, window, zoom)
    for key in window.navigator.keys():  # noqa: SIM118  (a navigator, not a dict)
        assert squeezed_labels(window, key) == [], (key, zoom)


def test_presenting_on_1280x720_the_draw_panel_fits_without_scrolling(qtbot, window):
    window.draw_view.show_image(window.dataset.test_images[0])
    zoomed(qtbot, window, PRESENTING_ZOOM)
    window.show_panel("draw")
    QApplication.processEvents()
    area = window.navigator.stack.currentWidget()
    assert window.draw_view.minimumSizeHint().height() <= area.viewport().height()
    assert area.verticalScrollBar().maximum() == 0
    # one step above, the panel needs more height than there is: it scrolls rather than overlap
    zoomed(qtbot, window, 1.84)
    window.show_panel("draw")
    QApplication.processEvents()
    assert area.verticalScrollBar().maximum() > 0
    assert squeezed_labels(window, "draw") == []


def test_the_percentage_over_a_sure_bar_stays_inside_a_short_zoomed_plot(qtbot):
    import numpy as np

    from mnist_gui.panels.draw.prediction import HEADROOM, ProbabilityPlot
    from mnist_gui.widgets.zoom import apply_zoom
    plot = ProbabilityPlot()
    qtbot.addWidget(plot)
    plot.set_classes(tuple("0123456789"))
    plot.set_probabilities(np.eye(10)[7] * 0.999)
    plot.resize(500, 400)
    plot.show()
    qtbot.waitExposed(plot)
    assert plot.headroom() == pytest.approx(HEADROOM, abs=0.01)  # tall: the least headroom will do
    apply_zoom(plot, 2.0)
    plot.resize(500, plot.minimumHeight())
    box = plot.getPlotItem().getViewBox()
    text = plot._texts[7]
    qtbot.waitUntil(lambda: text.sceneBoundingRect().top() >= box.sceneBoundingRect().top())
    assert plot.headroom() > HEADROOM and text.isVisible() and text.toPlainText() == "99.9 %"
