"""Inside a network of some classes (issue 23): a 3-vs-7 network's step, saliency, hidden space and
dynamics name its outputs "3" and "7" and take only 3s and 7s where a view picks the images."""

import numpy as np
import pytest

from engine.classes import as_network_sees, with_classes
from engine.network import HiddenLayer, Network, NetworkSpec
from engine.training import TrainConfig
from mnist_gui.panels.inside import InsideView
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel
from mnist_gui.state.training import TrainingSession
from mnist_gui.workers.inside import MAP_SAMPLE

from synthetic import make_dataset

TIMEOUT = 20000


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_train=300, n_test=400)


@pytest.fixture
def three_or_seven(qtbot, datasets, data):
    """A 3-vs-7 run trained through the real session: the hub holds its network."""
    runs, hub = RunsModel(), ModelHub()
    session = TrainingSession(runs, hub)
    datasets.set_dataset(data)
    spec = with_classes(NetworkSpec(hidden=(HiddenLayer(16),), seed=2), [3, 7])
    with qtbot.waitSignal(session.run_finished, timeout=TIMEOUT):
        session.start("3 vs 7", spec, TrainConfig(epochs=2, batch_size=16, optimiser="sgd", lr=0.1), data)
    yield runs, hub
    assert session.shutdown(5000)


@pytest.fixture
def view(qtbot, datasets, three_or_seven):
    runs, hub = three_or_seven
    view = InsideView(datasets, hub, runs)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    yield view
    assert view.shutdown(5000)


def test_the_step_names_the_outputs_3_and_7_and_steps_on_3s_and_7s(qtbot, view, data, three_or_seven):
    _, hub = three_or_seven
    assert hub.network.spec.class_labels == (3, 7)
    step = view.step_view
    assert [step.label.itemText(i) for i in range(step.label.count())] == ["3", "7"]
    assert [step.class_filter.itemText(i) for i in range(1, step.class_filter.count())] == ["of class 3", "of class 7"]
    seen = as_network_sees(data, hub.network.spec)
    assert step.index.maximum() == len(seen.train_labels) - 1 < len(data.train_labels) - 1
    step.show_training_image(5)
    qtbot.waitUntil(lambda: step.trace() is not None and not step.runner.is_busy(), timeout=TIMEOUT)
    trace = step.trace()
    np.testing.assert_array_equal(step.image()[0], seen.train_images[5])  # the 6th of the 3s and 7s
    assert trace.label == int(seen.train_labels[5]) and len(trace.probabilities) == 2
    true_digit = (3, 7)[trace.label]
    assert true_digit in (3, 7) and f"as <b>{true_digit}</b>" in step.summary.text()
    assert all(page.class_names == ("3", "7") for page in step.stage_pages if hasattr(page, "class_names"))
    step.source.setCurrentIndex(step.source.findData("random"))
    for _ in range(5):  # random images: 3s and 7s only
        step.pick_random()
        image, label = step.image()
        assert label in (0, 1)
        assert any(np.array_equal(image, other) for other in seen.train_images[seen.train_labels == label])


def test_a_3_or_7_opened_elsewhere_is_learnt_as_its_output_and_another_digit_as_none(view, data):
    from mnist_gui.state.focus import FocusedImage

    step = view.step_view
    seven = int(np.flatnonzero(data.train_labels == 7)[0])
    step.show_opened(FocusedImage(data.train_images[seven], 7, "a 7"))
    assert step.image()[1] == 1 and step.label.currentText() == "7"
    five = int(np.flatnonzero(data.train_labels == 5)[0])
    step.show_opened(FocusedImage(data.train_images[five], 5, "a 5"))
    assert step.image()[1] is None


def test_the_hidden_space_shows_only_3s_and_7s(qtbot, view, data):
    view.show_tab("embedding")
    embedding = view.embedding_view
    qtbot.waitUntil(lambda: embedding.maps() is not None and embedding.maps().hidden is not None,
                    timeout=TIMEOUT)
    maps = embedding.maps()
    threes_and_sevens = np.isin(data.test_labels, (3, 7))
    assert len(maps.sample.labels) == min(MAP_SAMPLE, threes_and_sevens.sum())
    assert set(maps.hidden.labels.tolist()) == {0, 1} == set(maps.pixels.labels.tolist())
    kept = data.test_images[threes_and_sevens]
    np.testing.assert_array_equal(maps.sample.images, kept[maps.sample.indices])
    assert [item.name() for item in embedding.hidden.items] == ["3", "7"]
    assert embedding.hidden.point_count() == len(maps.sample.labels)
    row = int(np.flatnonzero(maps.sample.labels == 1)[0])
    embedding._show_point(row)
    assert "label <b>7</b>" in embedding.point_text.text()
    index = int(np.flatnonzero(threes_and_sevens)[maps.sample.indices[row]])  # in the whole test set
    assert data.test_labels[index] == 7
    assert f"test image {index:,}<br>" in embedding.point_text.text()


def test_a_3_vs_7_map_colours_its_classes_as_the_10_class_map_does(qtbot, view, data, three_or_seven):
    from mnist_gui.panels.inside.parts import CLASS_COLOURS

    view.show_tab("embedding")
    embedding = view.embedding_view
    qtbot.waitUntil(lambda: embedding.maps() is not None, timeout=TIMEOUT)
    for scatter_map in (embedding.hidden, embedding.pixels):
        assert [item.opts["brush"].color().name() for item in scatter_map.items] == [
            CLASS_COLOURS[3], CLASS_COLOURS[7]]  # a 3 is a 3's colour, not the first class's
    _runs, hub = three_or_seven
    hub.set_network(Network(NetworkSpec(hidden=(HiddenLayer(8),), seed=1)), "every class")
    qtbot.waitUntil(lambda: embedding.maps() is not None and embedding.maps().network is hub.network,
                    timeout=TIMEOUT)
    assert [item.opts["brush"].color().name() for item in embedding.hidden.items] == list(CLASS_COLOURS)


def test_saliency_and_dynamics_name_the_networks_classes(qtbot, view, data):
    saliency = view.saliency_view
    assert [saliency.target.itemText(i) for i in range(saliency.target.count())] == ["3", "7"]
    assert saliency.class_chooser.itemText(1) == "class 3" and saliency.class_chooser.count() == 3
    view.show_tab("dynamics")
    dynamics = view.dynamics_view
    qtbot.waitUntil(lambda: dynamics.layer_chooser.count() == 2, timeout=TIMEOUT)
    assert dynamics.layer_chooser.itemText(1) == "output: 3, 7"


def test_a_network_of_every_class_brings_the_ten_names_back(qtbot, view, three_or_seven):
    _, hub = three_or_seven
    hub.set_network(Network(NetworkSpec(hidden=(HiddenLayer(8),), seed=1)), "all ten")
    step, saliency = view.step_view, view.saliency_view
    assert step.label.count() == saliency.target.count() == 10
    assert step.index.maximum() == len(view.step_view.datasets.dataset.train_labels) - 1
    view.show_tab("embedding")
    qtbot.waitUntil(lambda: view.embedding_view.maps() is not None
                    and view.embedding_view.maps().network is hub.network, timeout=TIMEOUT)
    assert len(view.embedding_view.hidden.items) == 10
