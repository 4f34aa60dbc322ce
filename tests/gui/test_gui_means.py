"""The Mean digits panel shows exactly the engine's means, spreads, differences and baseline."""

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel, QWidget

from engine.baseline import MeanDigitClassifier, difference, evaluate_baseline, nearest_and_furthest
from mnist_gui import MainWindow
from mnist_gui.panels.means.panel import percent

from synthetic import make_idx_folder

TIMEOUT = 30000  # the baseline on real MNIST takes a few seconds on a busy machine


def open_computed(qtbot, data_dir, settings) -> MainWindow:
    """A window on ``data_dir`` whose Mean digits panel has finished computing."""
    window = MainWindow(data_dir, settings=settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.means_panel.computed, timeout=TIMEOUT):
        window.show()
    return window


@pytest.fixture
def window(qtbot, settings, tmp_path):
    return open_computed(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)


def test_means_and_spreads_equal_the_engines(window):
    d = window.dataset
    engine = MeanDigitClassifier().fit(d.train_images, d.train_labels, d.n_classes)
    panel = window.findChild(QWidget, "meanDigits")
    np.testing.assert_array_equal(panel.means(), engine.means)
    np.testing.assert_array_equal(panel.result().stds, engine.stds)
    assert panel.mean_strip.captions() == list(d.class_names)
    assert not panel.is_busy() and not panel.busy.isVisible()


def test_baseline_label_matches_the_engine(window):
    d = window.dataset
    label = window.findChild(QLabel, "baselineAccuracy")
    assert percent(evaluate_baseline(d, "l2").accuracy) in label.text()
    assert percent(evaluate_baseline(d, "l1").accuracy) in window.means_panel.accuracy_l1.text()
    table = window.means_panel.per_class
    l2 = evaluate_baseline(d, "l2").per_class_accuracy
    assert [table.item(0, c).text() for c in range(10)] == [f"{a * 100:.1f}" for a in l2]


def test_difference_of_two_chosen_classes(window):
    panel = window.means_panel
    panel.class_a.setCurrentIndex(2)
    panel.class_b.setCurrentIndex(8)
    expected = difference(panel.means(), 2, 8)
    np.testing.assert_allclose(panel.difference.values(), expected)
    assert panel.color_bar._right == "more ink in 2" and panel.color_bar._left == "more ink in 8"
    panel.difference.grab()


def test_closest_and_furthest_of_a_chosen_class(window):
    panel = window.means_panel
    d = window.dataset
    panel.example_class.setCurrentIndex(4)
    near, far = nearest_and_furthest(d.train_images, d.train_labels, panel.means(), 4, k=8)
    assert panel.closest.captions() == [f"#{i}" for i in near]
    assert panel.furthest.captions() == [f"#{i}" for i in far]


def test_recomputes_for_the_offline_digits(qtbot, window):
    with qtbot.waitSignal(window.means_panel.computed, timeout=TIMEOUT):
        window.use_offline_digits()
    assert window.means_panel.means().shape == (10, 8, 8)
    accuracy = evaluate_baseline(window.dataset, "l2").accuracy
    assert percent(accuracy) in window.means_panel.accuracy.text()


@pytest.mark.slow
@pytest.mark.real_data
def test_baseline_on_real_mnist(qtbot, settings, mnist_dir, mnist):
    window = open_computed(qtbot, mnist_dir, settings)
    report = evaluate_baseline(mnist, "l2")
    assert percent(report.accuracy) in window.findChild(QLabel, "baselineAccuracy").text()
    assert "82.0" in window.means_panel.accuracy.text()
    engine = MeanDigitClassifier().fit(mnist.train_images, mnist.train_labels, 10)
    np.testing.assert_array_equal(window.means_panel.means(), engine.means)


def test_a_dataset_load_fits_the_baseline_once_for_every_panel(qtbot, settings, tmp_path,
                                                                monkeypatch):
    fits = []
    fit = MeanDigitClassifier.fit

    def counting_fit(self, *args, **kwargs):
        fits.append(self.metric)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(MeanDigitClassifier, "fit", counting_fit)
    window = open_computed(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)
    baseline = window.datasets.baseline
    assert fits == ["l2"] and baseline.complete
    # every panel that shows the baseline shows this one result
    assert window.training_view.plots.baseline.value() == pytest.approx(100 * baseline.accuracy)
    assert window.draw_view.baseline() is baseline.classifier
    assert percent(baseline.reports["l1"].accuracy) in window.means_panel.accuracy_l1.text()


def test_clicking_a_spread_tile_selects_its_class_like_a_mean_tile(qtbot, window):
    from PySide6.QtCore import Qt
    panel = window.means_panel
    window.show_panel("means")
    qtbot.waitUntil(lambda: panel.std_strip.isVisible() and panel.std_strip.width() > 100)
    centre = panel.std_strip._rect(6).center().toPoint()
    qtbot.mouseClick(panel.std_strip, Qt.LeftButton, pos=centre)
    assert panel.example_class.currentIndex() == 6
    centre = panel.mean_strip._rect(2).center().toPoint()
    qtbot.mouseClick(panel.mean_strip, Qt.LeftButton, pos=centre)
    assert panel.example_class.currentIndex() == 2


def test_the_means_box_shows_the_means_the_spread_or_both(qtbot, window):
    from PySide6.QtCore import Qt
    panel = window.means_panel
    window.show_panel("means")
    qtbot.waitUntil(panel.mean_strip.isVisible)
    assert panel.showing() == "both" and panel.std_strip.isVisible()  # at zoom 1, as before
    for button, key, means, spread in ((panel.show_std, "spread", False, True),
                                       (panel.show_means, "means", True, False),
                                       (panel.show_both, "both", True, True)):
        qtbot.mouseClick(button, Qt.LeftButton)
        assert panel.showing() == key
        assert (panel.mean_strip.isVisible(), panel.std_strip.isVisible()) == (means, spread)
    panel.set_showing("spread")
    assert panel.show_std.isChecked() and not panel.mean_strip.isVisible()
    with pytest.raises(ValueError, match="not 'std'"):
        panel.set_showing("std")
    assert panel.showing() == "spread"
