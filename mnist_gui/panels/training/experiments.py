"""Designing an experiment (built-in or your own: one or two settings over a list of values) and its results."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.widgets.wrapped_label import WrappedLabel

OWN = "Design your own…"
SETTING_TITLES = {"depth_activation": "depth and activation", "depth": "hidden layers",
                  "activation": "activation", "lr": "learning rate", "batch_size": "batch size",
                  "init": "initial weights", "optimiser": "optimiser", "hidden_units": "hidden units",
                  "train_size": "training images", "epochs": "epochs", "classes": "classes"}
EXAMPLES = {"depth": "1, 2, 3", "activation": "sigmoid, tanh, relu", "lr": "0.001, 0.01, 0.1, 1",
            "batch_size": "full, 128, 1", "init": "zeros, normal, xavier, he",
            "optimiser": "sgd, momentum, adam", "hidden_units": "16, 64, 256",
            "train_size": "1000, 10000, 55000", "epochs": "1, 3, 10",
            "depth_activation": "1:sigmoid, 3:sigmoid, 3:relu", "classes": "3 7, 4 9, 0 1 2, all"}


def swatch(colour: str, size: int = 14) -> QIcon:
    """A square of ``colour``: a run's colour on the plots, beside its name in a table."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def parse_values(text: str) -> tuple:
    """'0.1, 1e-3, full, relu' -> (0.1, 0.001, 'full', 'relu'): numbers where they are numbers."""
    values = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            number = float(part)
            values.append(int(number) if number.is_integer() and "." not in part and "e" not in part.lower()
                          else number)
        except ValueError:
            values.append(None if part.lower() == "full" else part)
    return tuple(values)


class ExperimentDialog(QDialog):
    """Pick a built-in experiment or vary one or two settings of the builder's network.

    ``experiment()`` builds the engine ``Experiment`` (ValueError with the engine's message).
    """

    def __init__(self, spec, config, parent: QWidget | None = None):
        super().__init__(parent)
        from engine.experiments import EXPERIMENTS, SETTINGS
        self.setObjectName("experimentDialog")
        self.setWindowTitle("Experiment: compare settings in one click")
        self._spec, self._config, self._builtins = spec, config, EXPERIMENTS
        self.choice = QComboBox(objectName="experimentChoice")
        self.choice.addItems([*EXPERIMENTS, OWN])
        self.choice.setToolTip("The classic lessons, ready to run, or your own comparison")
        self.description = WrappedLabel(objectName="experimentDescription")
        self.name = QLineEdit("my experiment", objectName="experimentName")
        settings = sorted(SETTINGS, key=lambda s: SETTING_TITLES.get(s, s))
        self.setting1, self.setting2 = QComboBox(), QComboBox()
        self.setting2.addItem("(none)", "")
        for combo in (self.setting1, self.setting2):
            for s in settings:
                combo.addItem(SETTING_TITLES.get(s, s), s)
        self.values1, self.values2 = QLineEdit(), QLineEdit()
        for edit in (self.values1, self.values2):
            edit.setToolTip("Values separated by commas; 'full' for a full batch; classes as digits "
                            "separated by spaces (3 7 is a run on 3s and 7s), or all")
        self.time_limit = QDoubleSpinBox(decimals=0, maximum=3600, suffix=" s", specialValueText="no limit")
        self.time_limit.setToolTip("Seconds of training per run, to compare at equal time "
                                   "(0: every run trains the builder's epochs)")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Vary", self._pair(self.setting1, self.values1))
        form.addRow("and", self._pair(self.setting2, self.values2))
        form.addRow("Time per run", self.time_limit)
        self.own = QWidget()
        self.own.setLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Run")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        save, load = QPushButton("Save design…"), QPushButton("Open design…")
        save.setToolTip("Write this experiment as JSON: `mnist-train --experiment FILE` runs it headless")
        save.clicked.connect(self._save)
        load.clicked.connect(self._load)
        self.buttons.addButton(save, QDialogButtonBox.ActionRole)
        self.buttons.addButton(load, QDialogButtonBox.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addWidget(self.description)
        layout.addWidget(self.own)
        layout.addWidget(self.buttons)
        self.setting1.currentIndexChanged.connect(self._on_setting1_changed)
        self.setting2.currentIndexChanged.connect(self._on_setting2_changed)
        self.choice.currentTextChanged.connect(self._on_choice)
        self.setting1.setCurrentIndex(max(0, self.setting1.findData("lr")))
        self._example(self.setting1, self.values1)
        self._on_choice(self.choice.currentText())
        self._loaded = None
        self.resize(560, 360)

    def _on_setting1_changed(self):
        self._example(self.setting1, self.values1)

    def _on_setting2_changed(self):
        self._example(self.setting2, self.values2)

    @staticmethod
    def _pair(combo, edit) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(combo)
        row.addWidget(edit, 1)
        return box

    def _example(self, combo, edit):
        edit.setPlaceholderText(EXAMPLES.get(combo.currentData(), ""))
        if not edit.text():
            edit.setText(EXAMPLES.get(combo.currentData(), ""))

    def _on_choice(self, name: str):
        own = name == OWN
        self.own.setVisible(own)
        if own:
            self.description.setText("Vary one or two settings of the network in the builder; "
                                     "every combination becomes a run.")
        else:
            e = self._builtins[name]
            n = len(e.configurations())
            self.description.setText(f"<b>{name}</b>: {e.description} ({n} runs)")

    def experiment(self):
        """The engine Experiment chosen or designed."""
        from engine.experiments import Axis, Experiment
        if self._loaded is not None and self.choice.currentText() == OWN:
            return self._loaded
        if self.choice.currentText() != OWN:
            return self._builtins[self.choice.currentText()]
        axes = [Axis(self.setting1.currentData(), parse_values(self.values1.text()))]
        if self.setting2.currentData():
            axes.append(Axis(self.setting2.currentData(), parse_values(self.values2.text())))
        limit = self.time_limit.value() or None
        return Experiment(self.name.text().strip() or "experiment", "designed in the app",
                          self._spec, self._config, tuple(axes), time_limit=limit)

    def _accept(self):
        try:
            self.experiment().configurations()
        except (ValueError, TypeError) as exc:
            QMessageBox.warning(self, "This experiment cannot run", str(exc))
            return
        self.accept()

    def _save(self):
        try:
            text = self.experiment().to_json()
        except (ValueError, TypeError) as exc:
            QMessageBox.warning(self, "This experiment cannot be saved", str(exc))
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the experiment", "experiment.json", "JSON (*.json)")
        if path:
            from engine.files.atomic import write_bytes_atomically
            try:
                write_bytes_atomically(path, text.encode("utf-8"))
            except OSError as exc:
                QMessageBox.warning(self, "The experiment could not be saved", str(exc))

    def _load(self):
        from engine.experiments import Experiment
        path, _ = QFileDialog.getOpenFileName(self, "Open an experiment", "", "JSON (*.json)")
        if not path:
            return
        try:
            self._loaded = Experiment.read(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "The experiment could not be opened", f"{path}: {exc}")
            return
        self.choice.setCurrentText(OWN)
        self.name.setText(self._loaded.name)
        self.description.setText(f"<b>{self._loaded.name}</b>: {self._loaded.description} "
                                 f"({len(self._loaded.configurations())} runs, from {path})")


class ExperimentResults(QTableWidget):
    """One row per run of an experiment: its colour swatch and label, final test accuracy (or
    "diverged"), training time, how far it got (epochs, images seen: an equal-time run may not end
    an epoch) and size; the best in bold. When a run chooses classes, a column beside the accuracy
    holds the nearest-mean baseline's on the same classes (``show_runs``'s ``baselines``)."""

    COLUMNS = ("Run", "Test accuracy", "Baseline", "Training time", "Epochs", "Images seen",
               "Parameters")
    BASELINE = 2  # the baseline's column

    def __init__(self, runs_model=None, parent: QWidget | None = None):
        """``runs_model`` (a RunsModel): its run changes (a colour, a name) are shown here too."""
        super().__init__(0, len(self.COLUMNS), parent)
        self.setObjectName("experimentResults")
        if runs_model is not None:
            runs_model.run_changed.connect(self._on_run_changed)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.NoEditTriggers)
        self.horizontalHeader().setStretchLastSection(True)
        self.setToolTip("The experiment's runs side by side; the best test accuracy in bold")
        self.horizontalHeaderItem(self.BASELINE).setToolTip(
            "The mean-digit (nearest-mean) baseline on the same classes: its test accuracy on the run's "
            "classes only, what a template gets on the same question (fitted on all their training images)")
        self.setColumnHidden(self.BASELINE, True)
        self._fit_least_height()
        self._runs: list = []
        self._baselines: list = []

    def show_runs(self, runs, baselines=None) -> None:
        """``runs`` (RunRecords) and the baseline's test accuracy on each one's classes (None: not
        known), computed by the engine (``engine.experiments.baseline_accuracies``)."""
        self._runs = list(runs)
        self._baselines = list(baselines) if baselines is not None else [None] * len(self._runs)
        self.setColumnHidden(self.BASELINE, not any(r.spec.class_labels for r in self._runs))
        self.setRowCount(len(self._runs))
        accuracies = [r.test_accuracy for r in self._runs]
        best = max((a for a in accuracies if a is not None), default=None)
        for row, run in enumerate(self._runs):
            acc = run.test_accuracy
            result = "diverged" if run.diverging else "—" if acc is None else f"{100 * acc:.2f} %"
            base = self._baselines[row]
            texts = (run.name.split(" · ", 1)[-1], result, "—" if base is None else f"{100 * base:.2f} %",
                     f"{run.train_seconds:.1f} s",
                     _epochs_text(run.epochs_trained), f"{run.images_seen:,}", f"{run.spec.n_params:,}")
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setIcon(swatch(run.colour))
                    item.setToolTip(f"{run.name}: {run.settings_text()}")
                elif column == self.BASELINE:
                    item.setToolTip(f"The mean-digit baseline on the same classes as {run.name}")
                elif column == 1 and run.diverging:
                    item.setToolTip(run.message or "The loss blew up: training diverged. A smaller "
                                    "learning rate takes smaller, safer steps.")
                if column:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if acc is not None and acc == best:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setBackground(QBrush(QColor(34, 197, 94, 60)))
                self.setItem(row, column, item)
        self.resizeColumnsToContents()

    def runs(self) -> list:
        return list(self._runs)

    def _fit_least_height(self):
        """Room for the header, two rows and a scroll bar in the current font (it showed 1.2 rows
        at 1280x720); more rows scroll inside. The columns fit the font too (sized at zoom 1,
        zoomed they cut 'Test accuracy' to 'st accurac')."""
        self.resizeColumnsToContents()
        self.setMinimumHeight(self.horizontalHeader().sizeHint().height()
                              + 2 * self.verticalHeader().defaultSectionSize()
                              + self.horizontalScrollBar().sizeHint().height() + 2 * self.frameWidth())

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # zoom: the header and rows grow after this
            QTimer.singleShot(0, self, self._fit_least_height)

    def _on_run_changed(self, run) -> None:
        if any(r is run for r in self._runs):  # a colour or a name changed
            self.show_runs(self._runs, self._baselines)

    def best_row(self) -> int:
        accuracies = [(-1 if r.test_accuracy is None else r.test_accuracy) for r in self._runs]
        return max(range(len(accuracies)), key=accuracies.__getitem__) if accuracies else -1


def _epochs_text(epochs: float) -> str:
    """'3' for whole epochs, '0.04' for a part of one."""
    return f"{epochs:.0f}" if float(epochs).is_integer() else f"{epochs:.2f}"
