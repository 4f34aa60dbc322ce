"""Mean digits in presentation mode on a 1280x720 screen: every part of the difference box is seen."""

from PySide6.QtWidgets import QApplication

from mnist_gui.state.presentation import PRESENTING_ZOOM

from gui import open_window
from synthetic import make_idx_folder


def test_the_difference_image_is_not_covered_by_its_colour_bar_when_zoomed(qtbot, settings, tmp_path):
    window = open_window(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)
    window.resize(1280, 720)
    window.presentation.set_presenting(True)
    window.presentation.set_zoom(PRESENTING_ZOOM)
    window.show_panel("means")
    panel = window.panel("means")
    qtbot.waitUntil(lambda: panel.difference.isVisible())
    QApplication.processEvents()
    image, bar, readout = panel.difference, panel.color_bar, panel.difference_readout
    assert image.geometry().bottom() < bar.geometry().top(), (image.geometry(), bar.geometry())
    assert bar.geometry().bottom() < readout.geometry().top(), (bar.geometry(), readout.geometry())
    assert image.height() >= image.minimumSizeHint().height()
