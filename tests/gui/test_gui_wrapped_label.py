"""WrappedLabel: a wrapped text's minimum height is the height its lines need at its width."""

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from mnist_gui.widgets.wrapped_label import WrappedLabel

TEXT = "A sentence long enough to wrap onto a few lines when the label is narrow. " * 3


def column(qtbot, label: QLabel, width: int) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.addWidget(label)
    layout.addWidget(QLabel("below"))
    qtbot.addWidget(box)
    box.resize(width, 400)
    box.show()
    qtbot.waitExposed(box)
    QApplication.processEvents()
    return box


def test_the_least_height_follows_the_width(qtbot):
    label = WrappedLabel(TEXT)
    box = column(qtbot, label, 600)
    wide = label.minimumSizeHint().height()
    assert wide == label.heightForWidth(label.width()) > label.fontMetrics().height()
    box.resize(200, 400)
    qtbot.waitUntil(lambda: label.minimumSizeHint().height() == label.heightForWidth(label.width()))
    assert label.minimumSizeHint().height() > wide  # narrower: more lines
    box.resize(600, 400)
    qtbot.waitUntil(lambda: label.minimumSizeHint().height() == wide)  # and back


def test_the_box_cannot_squeeze_it_below_its_lines_as_it_does_a_plain_label(qtbot):
    plain = QLabel(TEXT, wordWrap=True)
    plain_box = column(qtbot, plain, 200)
    wrapped = WrappedLabel(TEXT)
    wrapped_box = column(qtbot, wrapped, 200)
    assert plain_box.minimumSizeHint().height() < plain.heightForWidth(plain.width())
    assert wrapped_box.minimumSizeHint().height() > wrapped.heightForWidth(wrapped.width())


def test_new_text_and_a_larger_font_ask_for_more_height(qtbot):
    label = WrappedLabel("short")
    box = column(qtbot, label, 300)
    one_line = label.minimumSizeHint().height()
    label.setText(TEXT)
    assert label.minimumSizeHint().height() > one_line
    lines = label.minimumSizeHint().height()
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    label.setFont(font)
    assert label.minimumSizeHint().height() > lines
    assert box.minimumSizeHint().height() > lines
