"""The ONNX export: the graph computes what ``predict_proba`` computes, on pixels 0..255, with
nodes named after our layers. Run by ``onnx.reference`` (the onnx package's own interpreter)."""

import subprocess
import sys

import numpy as np
import pytest

from engine.files.onnx_export import INPUT_NAME, OUTPUT_NAME, OnnxMissingError, export_onnx, import_onnx
from engine.network import ConvLayer, HiddenLayer, Network, NetworkSpec, PoolLayer
from tests.synthetic import make_split

SPECS = {
    "softmax regression": NetworkSpec(hidden=()),
    "mlp, tanh + leaky relu + dropout, standardised": NetworkSpec(
        hidden=(HiddenLayer(32, "tanh", 0.2), HiddenLayer(16, "leaky_relu")), input_scaling="standardised"),
    "cnn, padding, stride, sigmoid, two pools": NetworkSpec(
        features=(ConvLayer(4, 5, padding=2), PoolLayer(2), ConvLayer(6, 3, stride=2, activation="tanh",
                                                                      dropout=0.1), PoolLayer(2)),
        hidden=(HiddenLayer(20, "sigmoid"),)),
    "cnn on raw pixels, odd pooling remainder": NetworkSpec(
        features=(ConvLayer(3, 4), PoolLayer(3)), hidden=(HiddenLayer(12, "identity"),), input_scaling="raw",
        init_scale=0.002),
}


def reference_probabilities(path, images: np.ndarray) -> np.ndarray:
    """What onnx.reference computes from the file at ``path`` for images (n, 28, 28) uint8 fed as pixels."""
    onnx = pytest.importorskip("onnx", reason="the onnx package is not installed (pip install 'mnist-gui[onnx]')")
    from onnx.reference import ReferenceEvaluator

    model = onnx.load(str(path))
    with np.errstate(over="ignore"):  # the reference sigmoid overflows exp() for large negative inputs
        (out,) = ReferenceEvaluator(model).run(None, {INPUT_NAME: images.reshape(len(images), -1).astype(np.float32)})
    return out


@pytest.mark.parametrize("name", SPECS)
def test_onnx_reference_reproduces_predict_proba(name, tmp_path):
    pytest.importorskip("onnx", reason="the onnx package is not installed (pip install 'mnist-gui[onnx]')")
    network = Network(SPECS[name])
    images, _ = make_split(25, rng=np.random.default_rng(3))
    path = export_onnx(network, tmp_path / "net.onnx")
    expected = network.predict_proba(images)
    assert 0.05 < expected.max(axis=1).mean() < 0.999  # probabilities, not all one-hot: a real check
    np.testing.assert_allclose(reference_probabilities(path, images), expected, atol=2e-6)


@pytest.mark.real_data
def test_onnx_reproduces_predict_proba_on_mnist_test_images(mnist, tmp_path):
    pytest.importorskip("onnx", reason="the onnx package is not installed (pip install 'mnist-gui[onnx]')")
    network = Network(SPECS["cnn, padding, stride, sigmoid, two pools"])
    images = mnist.test_images[:200]
    path = export_onnx(network, tmp_path / "net.onnx")
    got = reference_probabilities(path, images)
    np.testing.assert_allclose(got, network.predict_proba(images), atol=2e-6)
    assert np.array_equal(got.argmax(axis=1), network.predict(images))


def test_nodes_and_weights_are_named_after_our_layers():
    onnx = pytest.importorskip("onnx", reason="the onnx package is not installed (pip install 'mnist-gui[onnx]')")
    from engine.files.onnx_export import onnx_model

    model = onnx_model(Network(SPECS["cnn, padding, stride, sigmoid, two pools"]), tuple("0123456789"))
    assert [n.name for n in model.graph.node] == [
        "input_scaling_factor", "unflatten", "conv1", "conv1_relu", "pool1", "conv2", "conv2_tanh", "pool2",
        "flatten", "dense1", "dense1_sigmoid", "output", "probabilities"]
    assert [n.op_type for n in model.graph.node][:3] == ["Mul", "Reshape", "Conv"]
    assert {"conv1.W", "conv1.b", "dense1.W", "output.W"} <= {t.name for t in model.graph.initializer}
    assert [i.name for i in model.graph.input] == [INPUT_NAME]
    assert [o.name for o in model.graph.output] == [OUTPUT_NAME]
    props = {p.key: p.value for p in model.metadata_props}
    assert NetworkSpec.from_json(props["network"]) == SPECS["cnn, padding, stride, sigmoid, two pools"]
    assert props["class_names"] == "0,1,2,3,4,5,6,7,8,9"
    onnx.checker.check_model(model)


def test_a_trivial_scaling_adds_no_node_and_the_file_is_written_atomically(tmp_path):
    pytest.importorskip("onnx", reason="the onnx package is not installed (pip install 'mnist-gui[onnx]')")
    from engine.files.onnx_export import onnx_model

    raw = onnx_model(Network(NetworkSpec(hidden=(), input_scaling="raw")))
    assert [n.op_type for n in raw.graph.node] == ["Gemm", "Softmax"]
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    with pytest.raises(OSError, match="cannot write"):
        export_onnx(Network(NetworkSpec(hidden=())), tmp_path / "missing folder" / "model.onnx")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]  # no temporary file left behind


def test_without_onnx_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    with pytest.raises(OnnxMissingError, match=r'pip install "mnist-gui\[onnx\]"'):
        import_onnx()
    with pytest.raises(ImportError):
        export_onnx(Network(NetworkSpec(hidden=())), "never-written.onnx")


def test_importing_the_engine_and_the_app_does_not_import_onnx():
    code = ("import sys, pkgutil, engine, mnist_gui\n"
            "import engine.files.onnx_export, engine.report, mnist_gui.main_window\n"
            "for m in pkgutil.walk_packages(engine.__path__, 'engine.'): __import__(m.name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'onnx'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
