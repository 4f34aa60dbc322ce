"""The units field of the network builder says its limit instead of clamping silently."""

from PySide6.QtCore import Qt

from engine.network import MAX_UNITS, HiddenLayer
from mnist_gui.panels.training.builder import NetworkBuilder


def builder_with_one_layer(qtbot) -> NetworkBuilder:
    b = NetworkBuilder()
    qtbot.addWidget(b)
    b.set_data_shape(64, 10, 1000, (8, 8))
    b.layers.set_layers([HiddenLayer(32, "relu")])
    b.show()
    qtbot.waitExposed(b)
    return b


def type_units(qtbot, units, text: str):
    units.setFocus()
    units.lineEdit().selectAll()
    qtbot.keyClicks(units.lineEdit(), text)


def test_typing_too_many_units_names_the_limit(qtbot):
    b = builder_with_one_layer(qtbot)
    units, _ = b.layers.row_widgets(0)
    assert f"1 to {MAX_UNITS:,}" in units.toolTip()
    too_many = MAX_UNITS * 10 + 4   # 40964: a plain QSpinBox would keep 4096 and drop the 4
    type_units(qtbot, units, str(too_many))
    assert units.lineEdit().text() == str(too_many)  # nothing dropped behind the user's back
    message = b.layers.limit_message()
    assert f"at most {MAX_UNITS:,} units per layer" in message
    assert f"{too_many:,} becomes {MAX_UNITS:,}" in message and message.startswith("Layer 1")
    assert b.layers.limit_label.isVisible()
    qtbot.keyClick(units.lineEdit(), Qt.Key_Return)
    assert units.value() == MAX_UNITS and b.spec().layer_sizes == [64, MAX_UNITS, 10]
    type_units(qtbot, units, "300")
    assert b.layers.limit_message() == "" and units.value() == 300


def test_a_number_within_the_limit_says_nothing(qtbot):
    b = builder_with_one_layer(qtbot)
    units, _ = b.layers.row_widgets(0)
    type_units(qtbot, units, "500")
    assert units.value() == 500 and b.layers.limit_message() == ""
    assert b.spec().layer_sizes == [64, 500, 10]
