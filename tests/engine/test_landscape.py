"""The loss landscape (engine.landscape): the surface at the origin is the network's loss, filters are
normalised as Li et al. do, a point placed on the plane is projected back to its coordinates, and the
principal directions of a path span it."""

import numpy as np
import pytest

from engine.landscape import (
    filter_normalised_direction,
    loss_surface,
    path_directions,
    project_path,
    surface_rows,
    weights_of,
)
from engine.network import ConvLayer, HiddenLayer, Network, NetworkSpec, PoolLayer
from engine.training import evaluate
from tests.synthetic import make_split

MLP = NetworkSpec(input_size=144, hidden=(HiddenLayer(9, "relu"), HiddenLayer(5, "tanh")), seed=4)
CNN = NetworkSpec(input_size=144, hidden=(HiddenLayer(6, "relu"),), seed=5,
                  features=(ConvLayer(3, 3, padding=1), PoolLayer(2)))


@pytest.fixture(params=[MLP, CNN], ids=["mlp", "cnn"])
def network(request):
    return Network(request.param)


def _dot(u, v):
    return sum(float(np.vdot(x, y)) for x, y in zip(u, v))


def _data(n=60):
    return make_split(n, shape=(12, 12), rng=np.random.default_rng(1))


def test_the_surface_at_the_origin_is_the_networks_loss(network):
    images, labels = _data()
    rng = np.random.default_rng(0)
    delta, eta = filter_normalised_direction(network, rng), filter_normalised_direction(network, rng)
    surface = loss_surface(network, images, labels, delta, eta, [-1, 0, 1], [-0.5, 0, 0.5])
    loss, accuracy = evaluate(network, images, labels)
    assert surface.loss.shape == (3, 3)
    assert surface.at_origin() == pytest.approx(loss, rel=1e-5)
    assert surface.accuracy[1, 1] == pytest.approx(accuracy)
    assert surface.loss[0, 0] != pytest.approx(loss, rel=1e-3)  # away from the origin it differs


def test_the_network_gets_its_weights_back_even_when_stopped_early(network):
    images, labels = _data()
    before = [w.copy() for w in weights_of(network)]
    rng = np.random.default_rng(0)
    delta, eta = filter_normalised_direction(network, rng), filter_normalised_direction(network, rng)
    rows = surface_rows(network, images, labels, delta, eta, np.array([2.0, 3.0]), np.array([1.0, 2.0]))
    next(rows)
    rows.close()  # a cancelled computation
    for b, a in zip(before, weights_of(network)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_each_filter_of_a_direction_has_the_norm_of_its_weights(network):
    direction = filter_normalised_direction(network, np.random.default_rng(2))
    for parameter, d in zip(network.parameters, direction):
        theta = parameter.value.astype(np.float64)
        if not parameter.decay:
            assert not d.any()  # biases do not move
        elif theta.ndim == 4:  # conv: one filter per output channel
            for k in range(theta.shape[0]):
                assert np.linalg.norm(d[k]) == pytest.approx(np.linalg.norm(theta[k]))
        else:  # dense: one filter per unit (column)
            np.testing.assert_allclose(np.linalg.norm(d, axis=0), np.linalg.norm(theta, axis=0))


def test_a_point_on_the_plane_projects_to_its_coordinates(network):
    rng = np.random.default_rng(3)
    centre = weights_of(network)
    delta, eta = filter_normalised_direction(network, rng), filter_normalised_direction(network, rng)
    points = [(0.0, 0.0), (0.3, -1.2), (-2.0, 0.5)]
    path = [[c + a * d + b * e for c, d, e in zip(centre, delta, eta)] for a, b in points]
    np.testing.assert_allclose(project_path(path, centre, delta, eta), points, atol=1e-9)


def test_the_principal_directions_of_a_planar_path_explain_all_of_it(network):
    rng = np.random.default_rng(4)
    centre = weights_of(network)
    u, v = filter_normalised_direction(network, rng), filter_normalised_direction(network, rng)
    steps = [(3.0, 1.0), (2.0, 0.2), (1.0, -0.4), (0.4, -0.1), (0.0, 0.0)]
    path = [[c + a * x + b * y for c, x, y in zip(centre, u, v)] for a, b in steps]
    delta, eta, explained = path_directions(path, centre)
    assert explained.sum() == pytest.approx(1.0)
    assert explained[0] >= explained[1] > 0
    # unit length and orthogonal, and the path lies in their plane: projecting loses nothing
    assert _dot(delta, delta) == pytest.approx(1.0) and _dot(delta, eta) == pytest.approx(0.0, abs=1e-9)
    coords = project_path(path, centre, delta, eta)
    rebuilt = [[c + a * d + b * e for c, d, e in zip(centre, delta, eta)] for a, b in coords]
    for theta, back in zip(path, rebuilt):
        for x, y in zip(theta, back):
            np.testing.assert_allclose(x, y, atol=1e-9)


def test_a_straight_path_spans_no_plane(network):
    centre = weights_of(network)
    u = filter_normalised_direction(network, np.random.default_rng(5))
    path = [[c + a * x for c, x in zip(centre, u)] for a in (2.0, 1.0, 0.0)]
    with pytest.raises(ValueError, match="spans no plane"):
        path_directions(path, centre)


def test_a_landscape_with_its_path_ends_at_the_origin_and_reports_progress():
    from engine.landscape import LandscapeSettings, compute_landscape
    from engine.replay import Recorder
    from engine.training import BatchEnd, TrainConfig, Trainer

    images, labels = _data(240)
    network = Network(MLP)
    recorder = Recorder(network)
    recorder.offer(0, 0.0)
    step = 0
    for event in Trainer(network, TrainConfig(epochs=2, batch_size=16, lr=0.01), images, labels).run():
        if isinstance(event, BatchEnd):
            step = event.step
            recorder.offer(step, event.epoch)
    recorder.finish(step, 2.0)
    path = [s.parameters() for s in recorder.snapshots]
    done = []
    landscape = compute_landscape(network, images, labels,
                                  LandscapeSettings("path", points=5, images=60),
                                  path, [s.step for s in recorder.snapshots],
                                  progress=lambda d, t: done.append((d, t)))
    assert done == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    assert landscape.path.shape == (len(path), 2)
    np.testing.assert_allclose(landscape.path[-1], [0, 0], atol=1e-6)
    span = landscape.surface.alphas[-1]
    assert np.abs(landscape.path).max() < span  # the whole path is on the grid
    assert landscape.explained[0] > 0.5
    sample_loss = landscape.surface.at_origin()
    assert np.isfinite(sample_loss) and sample_loss < landscape.surface.loss.max()


def test_bad_settings_are_refused_with_what_is_valid():
    from engine.landscape import LandscapeSettings

    with pytest.raises(ValueError, match="choose one of random, path"):
        LandscapeSettings("sideways")
    with pytest.raises(ValueError, match="points must be 3 to 101"):
        LandscapeSettings(points=2)
